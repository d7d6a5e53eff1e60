#!/usr/bin/env bash
# Installs what the tests need besides Rust crates: Debian's headless
# Chromium and its WebDriver (tests/console.rs drives the web console with
# them). Idempotent: does nothing when both are already installed.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need+=(chromium-driver)
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
"${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${need[@]}" fonts-noto-cjk
