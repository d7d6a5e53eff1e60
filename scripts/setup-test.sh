#!/usr/bin/env bash
# Installs what the tests need besides Rust crates: Debian's headless
# Chromium, its WebDriver and CJK fonts (tests/console.rs drives the web
# console with them and saves screenshots). Idempotent: does nothing when
# all are installed.
set -euo pipefail
need=()
for pkg in chromium chromium-driver fonts-noto-cjk; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
        need+=("$pkg")
    fi
done
if [ ${#need[@]} -eq 0 ]; then
    exit 0
fi
echo "setup-test: installing ${need[*]} (Debian packages)"
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
    sudo_cmd=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -q
"${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${need[@]}"
