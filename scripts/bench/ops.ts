// npm run bench:ops — op 200 (filter) and op 300 describe on 1M- and 10M-row CSV and Parquet files through a real hub and
// runner, against the same SQL on a bare DuckDB in this process (median of 3, and their ratio); then the runner's peak RSS
// (VmHWM) through a 10M-row op 200 whose result page goes to the blob store and a 10M-row CSV export; then the release
// gate's cost: the same tasks on the same Parquet file with and without a data owner's policy (ratio of medians of
// BENCH_GATE_ROUNDS (15), target ≤ 1.10).
// Env: BENCH_ROUNDS (3), BENCH_SIZES (1000000,10000000), BENCH_MEMORY_LIMIT (the runner's DuckDB memory_limit, 512MB),
// BENCH_PARTS (timing,rss,gate).
import { readFileSync } from 'node:fs';
import { io, type Socket } from 'socket.io-client';
import { WEB_NAMESPACE, type TaskView } from '@simpul/protocol';
import { HubProc } from '../lib/hub.ts';
import { RunnerProc } from '../lib/runner.ts';
import { BareDuckDb } from './ops-bare.ts';
import { benchFiles, type BenchFiles } from './ops-data.ts';
import { median, printTable, saveResults, type Row } from './report.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SIZES = (process.env.BENCH_SIZES ?? '1000000,10000000').split(',').map(Number);
const MEMORY_LIMIT = process.env.BENCH_MEMORY_LIMIT ?? '512MB';
const PARTS = (process.env.BENCH_PARTS ?? 'timing,rss,gate').split(',');
const GATE_TARGET = 1.1; // with a policy / without, per task
const GATE_ROUNDS = Number(process.env.BENCH_GATE_ROUNDS ?? 15); // the tasks take well under a second: more rounds steady the median
const GATE_POLICY = { min_group_size: 5, max_rows: 1000 }; // query-set control, k on every cell, extremes withheld, row cap
const RATIO_TARGET = 1.25;
const ONLINE_TIMEOUT_MS = 600_000; // a runner counts the rows of every file before it registers: minutes for 10M-row CSVs on a busy machine
const RSS_TARGET_MIB = 1024;

const WHERE = {
  and: [
    { column: 'cat', op: 'in', value: ['c1', 'c2', 'c3'] },
    { column: 'n', op: '<', value: 500 },
  ],
};
const BARE_WHERE = { sql: 'cat IN ($1, $2, $3) AND n < $4', params: ['c1', 'c2', 'c3', 500] };
const label = (rows: number) => (rows % 1_000_000 === 0 ? `${rows / 1_000_000}M` : String(rows));
const dsName = (f: BenchFiles, format: 'csv' | 'parquet') => `ops_${label(f.rows)}_${format}`;

/** Peak resident set of a process, from /proc (Linux). */
function vmHwmMiB(pid: number): number {
  const kb = Number(/VmHWM:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
  return kb / 1024;
}

/** Final task updates from the hub's web socket, as the web app sees them: no polling competes with the runner for CPU. */
const finals = new Map<string, TaskView>();
const waiters = new Map<string, (t: TaskView) => void>();
function watch(web: Socket) {
  web.on('task:update', (t: TaskView) => {
    if (!['succeeded', 'failed', 'canceled'].includes(t.status)) return;
    finals.set(t.task_id, t);
    waiters.get(t.task_id)?.(t);
  });
}

/** Wall time from creating a task to hearing it finished. */
async function timed(hub: HubProc, body: unknown): Promise<{ ms: number; task: TaskView }> {
  const t0 = performance.now();
  const c = await hub.api.post('/api/v1/tasks', body);
  if (c.status !== 201) throw new Error(`create: ${c.status} ${JSON.stringify(c.body)}`);
  const id: string = c.body.task_id;
  const task = finals.get(id) ?? (await new Promise<TaskView>((resolve) => waiters.set(id, resolve)));
  const ms = performance.now() - t0;
  waiters.delete(id);
  if (task.status !== 'succeeded') throw new Error(`task ${task.status}: ${JSON.stringify(task.error)}`);
  return { ms, task };
}

const files: BenchFiles[] = [];
for (const n of SIZES) files.push(await benchFiles(n));
const datasets = files.flatMap((f) => [
  { name: dsName(f, 'csv'), path: f.csv },
  { name: dsName(f, 'parquet'), path: f.parquet },
]);
const runnerConfig = { concurrency: 1, log_level: 'warn', duckdb: { memory_limit: MEMORY_LIMIT } };

const hub = await HubProc.start({ env: { SIMPUL_LOG_LEVEL: 'warn' } });
const web = io(hub.url + WEB_NAMESPACE, { transports: ['websocket'], auth: { token: hub.api.token } });
watch(web);
await new Promise<void>((resolve, reject) => {
  web.once('connect', () => resolve());
  web.once('connect_error', reject);
});
const bare = await BareDuckDb.open(MEMORY_LIMIT);
const rows: Row[] = [];
const results: Record<string, unknown>[] = [];
try {
  if (PARTS.includes('timing')) await timings();
  if (PARTS.includes('rss')) await peakRss();
  if (PARTS.includes('gate')) await gateCost();
  printTable(`Operations (DuckDB memory_limit ${MEMORY_LIMIT}, median of ${ROUNDS})`, rows);
  saveResults('ops', { memory_limit: MEMORY_LIMIT, rounds: ROUNDS, results });
} finally {
  bare.close();
  web.close();
  await hub.stop();
}

async function startRunner(name: string, ds: { name: string; path: string; policy?: unknown }[]): Promise<RunnerProc> {
  const runner = await RunnerProc.start(hub, { name, datasets: ds, config: runnerConfig }, false);
  await hub.waitRunnerOnline(name, true, ONLINE_TIMEOUT_MS);
  return runner;
}

async function timings(): Promise<void> {
  const runner = await startRunner('bench-ops', datasets);
  const runnerId = await runner.id();
  for (const f of files) {
    for (const format of ['csv', 'parquet'] as const) {
      const path = format === 'csv' ? f.csv : f.parquet;
      const dataset = dsName(f, format);
      for (const op of ['200', '300 describe'] as const) {
        const body =
          op === '200'
            ? { op: 200, runner_id: runnerId, params: { dataset, where: WHERE } }
            : { op: 300, runner_id: runnerId, params: { dataset, analysis: 'describe' } };
        const bareRun = () =>
          op === '200' ? bare.filter(path, BARE_WHERE.sql, BARE_WHERE.params) : bare.describe(path);
        await bareRun(); // warm the page cache for both sides
        const runnerMs: number[] = [];
        const bareMs: number[] = [];
        for (let i = 0; i < ROUNDS; i++) {
          runnerMs.push((await timed(hub, body)).ms);
          bareMs.push(await bareRun());
        }
        const r = median(runnerMs) / 1000;
        const b = median(bareMs) / 1000;
        const ratio = r / b;
        const big = f.rows >= 10_000_000;
        console.log(
          `  op ${op} ${label(f.rows)} ${format}: runner ${runnerMs.map((x) => (x / 1000).toFixed(2)).join(' ')} s, bare ${bareMs.map((x) => (x / 1000).toFixed(2)).join(' ')} s`,
        );
        rows.push({
          metric: `op ${op}, ${label(f.rows)} rows, ${format}: runner / bare DuckDB (s)`,
          value: `${r.toFixed(2)} / ${b.toFixed(2)} = ${ratio.toFixed(2)}`,
          ...(big ? { target: `≤ ${RATIO_TARGET}`, ok: ratio <= RATIO_TARGET } : {}),
        });
        results.push({
          op,
          rows: f.rows,
          format,
          runner_s: runnerMs.map((x) => x / 1000),
          bare_s: bareMs.map((x) => x / 1000),
          median_runner_s: r,
          median_bare_s: b,
          ratio,
        });
      }
    }
  }
  await runner.stop();
  printTable(`Operations (DuckDB memory_limit ${MEMORY_LIMIT}, median of ${ROUNDS})`, rows); // again at the end, with the RSS
}

async function peakRss(): Promise<void> {
  // Peak RSS: a fresh runner serving the largest files, through a filter whose 100k-row page is over the inline limit
  // (the full matched result goes to the blob store as Parquet) and a CSV export of half the rows.
  const largest = files.at(-1)!;
  const rss = await startRunner(
    'bench-rss',
    datasets.filter((d) => d.name.startsWith(`ops_${label(largest.rows)}_`)),
  );
  const rssId = await rss.id();
  const half = { column: 'n', op: '<', value: 500 };
  const f200 = await timed(hub, {
    op: 200,
    runner_id: rssId,
    params: { dataset: dsName(largest, 'parquet'), where: half, limit: 100_000 },
  });
  const afterFilter = vmHwmMiB(rss.proc.pid);
  const exp = await timed(hub, {
    op: 400,
    runner_id: rssId,
    params: { dataset: dsName(largest, 'csv'), format: 'csv', where: half },
  });
  const afterExport = vmHwmMiB(rss.proc.pid);
  const result = (await hub.api.get(`/api/v1/result/${exp.task.task_id}`)).body.result;
  const filtered = (await hub.api.get(`/api/v1/result/${f200.task.task_id}`)).body.result;
  await rss.stop();
  console.log(
    `  op 200 (100k-row page, ${filtered.blob?.rows} rows to the blob store): ${(f200.ms / 1000).toFixed(1)} s; export: ${result.rows} rows, ${(result.bytes / 2 ** 20).toFixed(0)} MiB in ${(exp.ms / 1000).toFixed(1)} s`,
  );
  rows.push({
    metric: `runner peak RSS through op 200, ${label(largest.rows)} rows (MiB)`,
    value: afterFilter.toFixed(0),
    target: `< ${RSS_TARGET_MIB}`,
    ok: afterFilter < RSS_TARGET_MIB,
  });
  rows.push({
    metric: `runner peak RSS through op 200 + csv export (MiB)`,
    value: afterExport.toFixed(0),
    target: `< ${RSS_TARGET_MIB}`,
    ok: afterExport < RSS_TARGET_MIB,
  });
  results.push({
    rss_mib_after_filter: afterFilter,
    rss_mib_after_export: afterExport,
    export_rows: result.rows,
    export_bytes: result.bytes,
    filter_blob_rows: filtered.blob?.rows ?? null,
  });
}

async function gateCost(): Promise<void> {
  // The largest Parquet file twice on one runner: as it is, and under a policy. Same tasks, interleaved, median of ROUNDS.
  const f = files.at(-1)!;
  const plain = `gate_${label(f.rows)}_plain`;
  const guarded = `gate_${label(f.rows)}_policy`;
  const runner = await startRunner('bench-gate', [
    { name: plain, path: f.parquet },
    { name: guarded, path: f.parquet, policy: GATE_POLICY },
  ]);
  const runnerId = await runner.id();
  const tasks: [string, (dataset: string) => unknown][] = [
    ['op 200 filter', (dataset) => ({ op: 200, params: { dataset, where: WHERE, limit: 1000 } })],
    ['op 300 describe', (dataset) => ({ op: 300, params: { dataset, analysis: 'describe' } })],
    ['op 300 describe + where', (dataset) => ({ op: 300, params: { dataset, analysis: 'describe', where: WHERE } })],
    [
      'op 300 group_by',
      (dataset) => ({
        op: 300,
        params: { dataset, analysis: 'group_by', group_by: ['cat'], aggregates: [{ fn: 'mean', column: 'n' }] },
      }),
    ],
  ];
  for (const [what, body] of tasks) {
    const run = async (dataset: string) => (await timed(hub, { ...(body(dataset) as object), runner_id: runnerId })).ms;
    await run(plain);
    await run(guarded); // warm both
    const a: number[] = [];
    const b: number[] = [];
    for (let i = 0; i < GATE_ROUNDS; i++) {
      a.push(await run(plain));
      b.push(await run(guarded));
    }
    const ratio = median(b) / median(a);
    console.log(
      `  gate ${what} ${label(f.rows)}: without ${a.map((x) => (x / 1000).toFixed(2)).join(' ')} s, with policy ${b.map((x) => (x / 1000).toFixed(2)).join(' ')} s`,
    );
    rows.push({
      metric: `release gate, ${what}, ${label(f.rows)} rows: with / without policy (s, median of ${GATE_ROUNDS})`,
      value: `${(median(b) / 1000).toFixed(2)} / ${(median(a) / 1000).toFixed(2)} = ${ratio.toFixed(2)}`,
      target: `≤ ${GATE_TARGET}`,
      ok: ratio <= GATE_TARGET,
    });
    results.push({
      gate: what,
      rows: f.rows,
      without_s: a.map((x) => x / 1000),
      with_policy_s: b.map((x) => x / 1000),
      ratio,
    });
  }
  await runner.stop();
}
