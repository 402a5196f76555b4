import SQLite from 'better-sqlite3';
import { performance } from 'node:perf_hooks';
const stats = new Map<string, { n: number; ms: number }>();
const origPrepare = (SQLite as any).prototype.prepare;
(SQLite as any).prototype.prepare = function (sql: string) {
  const stmt = origPrepare.call(this, sql);
  const key = sql.replace(/\?(, \?)+/g, '?…').slice(0, 160);
  for (const m of ['all', 'run', 'get']) {
    const f = stmt[m].bind(stmt);
    stmt[m] = (...a: any[]) => { const t = performance.now(); try { return f(...a); } finally { const s = stats.get(key) ?? { n: 0, ms: 0 }; s.n++; s.ms += performance.now() - t; stats.set(key, s); } };
  }
  return stmt;
};
const { loadConfig } = await import('/work/main/hub/src/config.ts');
const { createHub } = await import('/work/main/hub/src/server.ts');
const { registerSims, SimRunner } = await import('/work/main/scripts/lib/sim-runner.ts');
const { mkdtempSync } = await import('node:fs');
const dir = mkdtempSync('/tmp/sqlstats-');
const hub = await createHub(loadConfig({ SIMPUL_PORT: '0', SIMPUL_DATA_DIR: dir, SIMPUL_LOG_LEVEL: 'warn', SIMPUL_ADMIN_PASSWORD: 'pw-12345678', SIMPUL_ENROLLMENT_KEY: 'sme_key-12345678', SIMPUL_WEB_DIR: dir + '/none' }));
const N = Number(process.argv[2] ?? 5000);
const ids = await registerSims(hub.url, 'sme_key-12345678', 50, () => ['tp'], 'tp');
const sims = ids.map((id) => new SimRunner(id, hub.url, { concurrency: 8 }));
sims.forEach((s) => s.start()); await Promise.all(sims.map((s) => s.whenReady()));
const login = await (await fetch(hub.url + '/api/v1/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: 'pw-12345678' }) })).json() as any;
stats.clear();
const t0 = performance.now();
for (let b = 0; b < N / 1000; b++) await fetch(hub.url + '/api/v1/tasks', { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${login.token}` }, body: JSON.stringify(Array.from({ length: 1000 }, () => ({ op: 100, params: { dataset: 'tp' } }))) });
while (sims.reduce((n, s) => n + s.completed, 0) < N) await new Promise((r) => setTimeout(r, 20));
const secs = (performance.now() - t0) / 1000;
console.log('tasks/s', (N / secs).toFixed(0), 'errors', sims.reduce((n, s) => n + s.errors, 0), sims.find(s => s.lastError)?.lastError);
for (const [k, s] of [...stats].sort((a, b) => b[1].ms - a[1].ms).slice(0, 25)) console.log(s.ms.toFixed(0).padStart(7), 'ms', String(s.n).padStart(7), (1000 * s.ms / s.n).toFixed(0).padStart(6), 'µs', k);
sims.forEach((s) => s.stop()); await hub.close(); process.exit(0);
