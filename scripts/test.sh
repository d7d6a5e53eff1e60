#!/usr/bin/env bash
# The project's test command (README, .ci/run): installs what the tests need
# besides Rust crates (headless Chromium for the console test), then runs
# every test of the workspace.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-test.sh
cargo test --workspace --locked "$@"
