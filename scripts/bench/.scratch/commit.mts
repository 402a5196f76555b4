import SQLite from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
for (const [sync, ckpt] of [['NORMAL', 1000], ['NORMAL', 10000], ['OFF', 1000]] as const) {
  const db = new SQLite(mkdtempSync('/tmp/commit-') + '/x.db');
  db.pragma('journal_mode = WAL'); db.pragma(`synchronous = ${sync}`); db.pragma(`wal_autocheckpoint = ${ckpt}`);
  db.exec('create table t (id text primary key, s text, a int, b int, c text, d text, e int, pad text)');
  for (const col of ['s,a', 's,b', 'c,s', 's,e', 'd']) db.exec(`create index i_${col.replace(',', '_')} on t(${col})`);
  const ins = db.prepare('insert into t values (?,?,?,?,?,?,?,?)');
  db.transaction(() => { for (let i = 0; i < 20000; i++) ins.run('id' + i, 'queued', i, i, 'r', 'ds', i, 'x'.repeat(200)); })();
  const up = db.prepare('update t set s = ?, b = ?, e = ?, pad = ? where id = ?');
  const begin = db.prepare('begin'), commit = db.prepare('commit');
  const t0 = performance.now(); const c0 = process.cpuUsage();
  for (let i = 0; i < 5000; i++) { begin.run(); up.run('done', i + 1, i + 2, 'y'.repeat(300), 'id' + i); commit.run(); }
  const cu = process.cpuUsage(c0);
  console.log(sync, ckpt, ((performance.now() - t0) / 5000 * 1000).toFixed(0), 'µs/txn wall', ((cu.user + cu.system) / 5000).toFixed(0), 'µs cpu');
}
