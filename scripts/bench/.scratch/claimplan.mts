import SQLite from 'better-sqlite3';
const stats = new Map<string, { n: number; ms: number }>();
const origPrepare = (SQLite as any).prototype.prepare;
(SQLite as any).prototype.prepare = function (sql: string) {
  const stmt = origPrepare.call(this, sql);
  const key = sql.slice(0, 100);
  for (const m of ['all', 'run', 'get']) {
    const f = stmt[m].bind(stmt);
    stmt[m] = (...a: any[]) => { const t = performance.now(); try { return f(...a); } finally { const s = stats.get(key) ?? { n: 0, ms: 0 }; s.n++; s.ms += performance.now() - t; stats.set(key, s); } };
  }
  return stmt;
};
import { performance } from 'node:perf_hooks';
import { openTestDb, addRunner, fetchTask, DIALECTS } from '/work/main/hub/src/testing/support.ts';
import { enqueue } from '/work/main/hub/src/queue/enqueue.ts';
import { claim } from '/work/main/hub/src/queue/claim.ts';
for (const d of (process.argv[2] ?? 'sqlite,postgres').split(',') as any[]) {
  const t = await openTestDb(d);
  try {
    const r = await addRunner(t.ctx, 'r', ['tp']);
    for (let i = 0; i < 20; i++) await enqueue(t.ctx, Array.from({ length: 1000 }, () => fetchTask('tp')), null);
    stats.clear(); const t0 = performance.now(); const c0 = process.cpuUsage(); let n = 0;
    for (let i = 0; i < 100; i++) n += (await claim(t.ctx, { id: r.row.id, datasets: ['tp'] }, 8)).length;
    const cu = process.cpuUsage(c0); console.log(d, "claim x100 of 8:", ((performance.now() - t0) / 100).toFixed(2), "ms each wall,", ((cu.user + cu.system) / 1000 / 100).toFixed(2), "ms cpu", n);
    for (const [k, s] of [...stats].sort((a, b) => b[1].ms - a[1].ms).slice(0, 8)) console.log(s.ms.toFixed(1).padStart(7), 'ms', s.n, k);
  } finally { await t.close(); }
}
process.exit(0);
