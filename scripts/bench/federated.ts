// npm run bench:federated — 3 runners × 1,000,000 rows: time and rounds of combined summary, linear and logistic
// regression, beside the same study on one runner holding all 3,000,000 rows and the ordinary single-runner op 300
// analysis; with the largest relative deviation of the combined results from the one-runner results.
// BENCH_FED_ROWS sets the rows per site (default 1,000,000).
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { DuckDBInstance } from '@duckdb/node-api';
import { analyse, Deviation, runStudy } from '../lib/federated.ts';
import { HubProc } from '../lib/hub.ts';
import { RunnerProc } from '../lib/runner.ts';
import { printTable, saveResults, type Row } from './report.ts';

const ROWS = Number(process.env.BENCH_FED_ROWS ?? 1_000_000);
const FEATURES = ['x1', 'x2', 'x3'];

/**
 * Three site files of ROWS rows and their union, made once per machine: three features, a linear target with noise,
 * and a 0/1 target drawn from a logistic model of the same features (so the classes overlap and the fit converges).
 */
async function makeData(): Promise<{ sites: string[]; pooled: string }> {
  const dir = join(tmpdir(), `simpul-bench-federated-${ROWS}`);
  const sites = [1, 2, 3].map((i) => join(dir, `site-${i}.parquet`));
  const pooled = join(dir, 'pooled.parquet');
  if ([...sites, pooled].every((f) => existsSync(f))) return { sites, pooled };
  mkdirSync(dir, { recursive: true });
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  await c.run('SELECT setseed(0.42)');
  // The sites differ on purpose (shifted features), as real sites do.
  await c.run(`CREATE TABLE d AS
    WITH base AS (
      SELECT i // ${ROWS} + 1 AS site, random() AS u1, random() AS u2, random() AS u3, random() AS u4, random() AS u5
      FROM range(${3 * ROWS}) t(i))
    SELECT site, x1, x2, x3,
      3 + 1.5 * x1 - 2 * x2 + 0.5 * x3 + sqrt(-2 * ln(u4)) * cos(2 * pi() * u5) AS y,
      CASE WHEN u5 < 1 / (1 + exp(-(-0.5 + 0.8 * x1 - 0.6 * x2 + 0.3 * x3))) THEN 1 ELSE 0 END AS z
    FROM (SELECT site, u4, u5, u1 * 4 - 2 + site * 0.2 AS x1, sqrt(-2 * ln(u2)) * cos(2 * pi() * u3) AS x2, u3 * 10 - site AS x3 FROM base)`);
  const write = async (sql: string, file: string) => {
    await c.run(`COPY (${sql}) TO '${file}.tmp' (FORMAT parquet)`);
    renameSync(`${file}.tmp`, file);
  };
  for (const [i, f] of sites.entries()) await write(`SELECT x1, x2, x3, y, z FROM d WHERE site = ${i + 1}`, f);
  await write('SELECT x1, x2, x3, y, z FROM d', pooled);
  c.closeSync();
  return { sites, pooled };
}

const secs = (t0: number) => (performance.now() - t0) / 1000;

console.log(`making data: 3 × ${ROWS.toLocaleString('en')} rows …`);
const data = await makeData();
const hub = await HubProc.start({
  name: 'bench-fed-hub',
  env: { SIMPUL_LOG_LEVEL: 'warn', SIMPUL_SITE_APPROVAL: 'auto' },
});
const runners: RunnerProc[] = [];
try {
  for (const [i, path] of data.sites.entries())
    runners.push(
      await RunnerProc.start(hub, { name: `bench-fed-${i + 1}`, datasets: [{ name: 'bench', path }] }, false),
    );
  runners.push(
    await RunnerProc.start(
      hub,
      { name: 'bench-fed-pooled', datasets: [{ name: 'bench-pooled', path: data.pooled }] },
      false,
    ),
  );
  for (const r of runners) await hub.waitRunnerOnline(r.opts.name, true, 300_000);

  const studies = {
    summary: { analysis: 'summary', columns: [...FEATURES, 'y'] },
    linear: { analysis: 'linear_regression', target: 'y', features: FEATURES },
    logistic: { analysis: 'logistic_regression', target: 'z', positive: 1, features: FEATURES },
  } as const;
  const single = {
    summary: { analysis: 'describe', columns: [...FEATURES, 'y'] },
    linear: { analysis: 'linear_regression', target: 'y', features: FEATURES, sample_points: 0 },
    logistic: {
      analysis: 'logistic_regression',
      target: 'z',
      positive: 1,
      features: FEATURES,
      test_pct: 0,
      l2: 0,
      max_iterations: 200,
      max_rows: 1_000_000,
    },
  } as const;

  const dev = new Deviation();
  const rows: Row[] = [];
  const saved: Record<string, unknown> = {};
  for (const name of Object.keys(studies) as (keyof typeof studies)[]) {
    let t0 = performance.now();
    const three = await runStudy(hub.api, { dataset: 'bench', ...studies[name] }, 1_800_000);
    const threeS = secs(t0);
    t0 = performance.now();
    const one = await runStudy(hub.api, { dataset: 'bench-pooled', ...studies[name] }, 1_800_000);
    const oneS = secs(t0);
    t0 = performance.now();
    const op300 = await analyse(hub.api, { dataset: 'bench-pooled', ...single[name] }, 1_800_000);
    const opS = secs(t0);
    if (three.status !== 'succeeded' || one.status !== 'succeeded')
      throw new Error(`${name}: ${JSON.stringify(three.error ?? one.error)}`);

    // Combined (3 sites) against the same study on one runner holding every row: exact statistics.
    if (name === 'summary') {
      three.result.columns.forEach((c: any, i: number) => {
        const o = one.result.columns[i];
        const d = op300.columns.find((x: any) => x.name === c.name);
        for (const k of ['mean', 'variance', 'sd', 'min', 'max'] as const)
          dev.check(c[k], o[k], 1e-9, `summary ${c.name} ${k}`);
        dev.check(c.mean, d.mean, 1e-9, `summary ${c.name} mean vs describe`);
        dev.check(c.sd, d.sd, 1e-9, `summary ${c.name} sd vs describe`);
      });
    } else {
      three.result.coefficients.forEach((c: any, i: number) => {
        dev.check(c.estimate, one.result.coefficients[i].estimate, 1e-6, `${name} ${c.term}`);
        // The op 300 logistic fit samples at most 1,000,000 training rows: only the linear fit is comparable.
        if (name === 'linear')
          dev.check(c.estimate, op300.coefficients[i].estimate, 1e-6, `${name} ${c.term} vs op 300`);
      });
    }
    rows.push(
      {
        metric: `${name}: 3 runners × ${ROWS.toLocaleString('en')} (s, rounds)`,
        value: `${threeS.toFixed(2)} s, ${three.rounds.length}`,
      },
      {
        metric: `${name}: 1 runner × ${(3 * ROWS).toLocaleString('en')}, same study (s, rounds)`,
        value: `${oneS.toFixed(2)} s, ${one.rounds.length}`,
      },
      { metric: `${name}: 1 runner, op 300 ${single[name].analysis} (s)`, value: `${opS.toFixed(2)} s` },
    );
    saved[name] = {
      three_runners_s: threeS,
      rounds: three.rounds.length,
      one_runner_s: oneS,
      one_runner_rounds: one.rounds.length,
      op300_s: opS,
    };
  }
  rows.push({
    metric: 'largest relative deviation, combined vs pooled',
    value: `${dev.worst.toExponential(2)} (${dev.where})`,
    target: '≤ 1e-9 stats, 1e-6 coefficients',
    ok: true,
  });
  printTable(`Federated studies: 3 runners × ${ROWS.toLocaleString('en')} rows vs one runner with all of them`, rows);
  saveResults('federated', {
    rows_per_site: ROWS,
    ...saved,
    largest_deviation: dev.worst,
    largest_deviation_at: dev.where,
  });
} finally {
  for (const r of runners) await r.stop();
  await hub.stop();
}
