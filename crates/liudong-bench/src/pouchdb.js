// The PouchDB peer of `liudong bench` scenario 8 (docs/performance.md, "Peer
// comparison and fan-in"). Written next to the run's data by the bench and
// run with NODE_PATH pointing at the modules that scripts/setup-bench.sh
// installs (pinned in scripts/pouchdb/package-lock.json).
//
//   serve <dir>                 an express-pouchdb server (CouchDB protocol) on
//                               127.0.0.1, databases on disk under <dir> with the
//                               leveldb adapter; prints "listening <port>".
//   load <db url> <ndjson>      writes the documents of <ndjson> (one a line)
//                               with _bulk_docs, 1,000 a request (not timed).
//   replicate <src> <dst> <n>   one replication src → dst with batch_size <n>
//                               (the PouchDB replicator, CouchDB protocol);
//                               prints {"docs_written": …, "ms": …}.
'use strict';

const PouchDB = require('pouchdb-node');

async function serve(dir) {
  const express = require('express');
  const local = PouchDB.defaults({ prefix: dir + '/', adapter: 'leveldb' });
  const app = express();
  app.use('/', require('express-pouchdb')(local, {
    mode: 'minimumForPouchDB',
    configPath: dir + '/config.json',
    logPath: dir + '/log.txt',
  }));
  const server = app.listen(0, '127.0.0.1', () => {
    console.log('listening ' + server.address().port);
  });
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}

async function load(url, file) {
  const lines = require('fs').readFileSync(file, 'utf8').split('\n').filter(l => l.length > 0);
  const db = new PouchDB(url);
  await db.info(); // creates the database
  for (let i = 0; i < lines.length; i += 1000) {
    const docs = lines.slice(i, i + 1000).map(l => JSON.parse(l));
    const res = await db.bulkDocs(docs);
    const bad = res.find(r => r.error);
    if (bad) throw new Error('bulkDocs: ' + JSON.stringify(bad));
  }
  const info = await db.info();
  console.log(JSON.stringify({ doc_count: info.doc_count }));
}

async function replicate(src, dst, batch) {
  const source = new PouchDB(src);
  const target = new PouchDB(dst);
  await target.info(); // creates the database before the clock starts
  const t = process.hrtime.bigint();
  const res = await PouchDB.replicate(source, target, { batch_size: batch });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (!res.ok) throw new Error('replication: ' + JSON.stringify(res.errors));
  const info = await target.info();
  console.log(JSON.stringify({ docs_written: res.docs_written, doc_count: info.doc_count, ms }));
}

const [mode, ...args] = process.argv.slice(2);
const run = { serve, load, replicate }[mode];
if (!run) {
  console.error('usage: pouchdb.js serve <dir> | load <url> <ndjson> | replicate <src> <dst> <batch>');
  process.exit(2);
}
run(...args.map((a, i) => (mode === 'replicate' && i === 2 ? Number(a) : a))).catch(e => {
  console.error(String(e && e.stack || e));
  process.exit(1);
});
