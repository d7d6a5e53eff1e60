#!/usr/bin/env bash
# Installs the PouchDB peer of `liudong bench` scenario 8 (docs/performance.md,
# "Peer comparison and fan-in"): express-pouchdb servers with the leveldb
# adapter (leveldown, on disk) and the PouchDB replicator, at the versions
# pinned in scripts/pouchdb/package-lock.json, into .tools/pouchdb/ of the
# repository (no global install). Needs Node.js ≥ 18 and npm on PATH;
# installs Debian's nodejs and npm if they are missing.
# Idempotent: does nothing when the installed lock file matches.
#
# leveldown 6.1.1 (what pouchdb-node 9.0.0 pins) ships N-API prebuilt
# binaries for linux-x64 that load on Node 20 without a compiler; its
# install script only checks for them, so `npm ci` runs with
# --ignore-scripts and the check below loads the adapter once instead.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
src="$root/scripts/pouchdb"
dest="$root/.tools/pouchdb"

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    # Debian's packages (Node.js 18 in bookworm) are enough.
    echo "setup-bench: installing Node.js and npm (Debian packages)"
    sudo_cmd=()
    if [ "$(id -u)" -ne 0 ]; then
        sudo_cmd=(sudo)
    fi
    "${sudo_cmd[@]}" apt-get update -q
    "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends nodejs npm
fi
if [ -f "$dest/package-lock.json" ] && cmp -s "$src/package-lock.json" "$dest/package-lock.json" \
    && [ -d "$dest/node_modules" ]; then
    exit 0
fi
echo "setup-bench: installing the PouchDB peer into $dest (npm ci, pinned versions)"
mkdir -p "$dest"
cp "$src/package.json" "$src/package-lock.json" "$dest/"
(cd "$dest" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
# The leveldb adapter must load (a prebuilt leveldown for this platform).
(cd "$dest" && node -e "
const PouchDB = require('pouchdb-node');
const dir = require('fs').mkdtempSync(require('os').tmpdir() + '/pouch-check-');
const db = new PouchDB(dir + '/db', { adapter: 'leveldb' });
db.put({ _id: 'x' }).then(() => db.info()).then(i => {
  if (i.doc_count !== 1 || i.adapter !== 'leveldb') throw new Error('unexpected ' + JSON.stringify(i));
  return db.close();
}).then(() => { require('fs').rmSync(dir, { recursive: true }); console.log('setup-bench: pouchdb-node with leveldb loads on node ' + process.version); })
  .catch(e => { console.error('setup-bench: the leveldb adapter does not load: ' + e); process.exit(1); });
")
