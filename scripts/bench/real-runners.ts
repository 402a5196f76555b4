// npm run bench:real — 4 real runner processes (runner/src/cli.ts, DuckDB) on one hub (SQLite), each serving the same
// small CSV, taking op 100 (`limit: 1`) tasks created in batches: tasks/s end to end (first create request → last result
// stored), hub and runner CPU per task, and the runner's own per-task overhead:
//   started → finished: the runner's audit file (`started_at` when the task began to run there, `finished_at` when its
//                        result had passed the release gate and was ready to send);
//   finished → stored:  the hub's `tasks.finished_at` (when it stored the result) minus that `finished_at` (one machine,
//                        one clock; the hub keeps milliseconds).
// The runs follow 8,000 warm-up tasks that are not counted (BENCH_REAL_WARMUP). BENCH_PROFILE=DIR writes CPU profiles of
// the hub and of every runner. The median of BENCH_RUNS runs is reported.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import SQLite from 'better-sqlite3';
import { stringify } from 'yaml';
import { ENROLLMENT_KEY } from '../lib/hub.ts';
import { Proc, ROOT, sleep, tempDir, waitFor } from '../lib/procs.ts';
import { BenchHub } from './bench-hub.ts';
import { median, percentile, printTable, saveResults, type Row } from './report.ts';

const RUNNERS = Number(process.env.BENCH_REAL_RUNNERS ?? 4);
const SLOTS = Number(process.env.BENCH_REAL_SLOTS ?? 8); // the runners' `concurrency`
const TASKS = Number(process.env.BENCH_REAL_TASKS ?? 4000);
/** Tasks run before the measured runs, not counted: every runner's DuckDB and every code path compiled and warm. */
const WARMUP = Number(process.env.BENCH_REAL_WARMUP ?? 8000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const BATCH = 1000;
const TARGET = 1000;

// A small CSV: 200 rows, four columns.
const dataDir = tempDir('simpul-bench-real-');
const csv = join(dataDir, 'small.csv');
writeFileSync(
  csv,
  `id,name,age,score\n${Array.from({ length: 200 }, (_, i) => `${i},n${i},${20 + (i % 50)},${(i * 37) % 101}`).join('\n')}\n`,
);

const profile = process.env.BENCH_PROFILE;
const hub = await BenchHub.create('bench-real-hub', { SIMPUL_SITE_APPROVAL: 'auto' });
const runners: BenchRunner[] = [];
const tps: number[] = [];
const hubCpu: number[] = [];
const runnerCpu: number[] = [];
const ran: number[] = []; // started → finished, ms, every task of every run
const stored: number[] = []; // finished → stored, ms
try {
  for (let i = 0; i < RUNNERS; i++) runners.push(startRunner(`bench-real-${i}`));
  for (const r of runners) await hub.waitRunnerOnline(r.name);
  const db = new SQLite(join(hub.dataDir, 'simpul.db'), { readonly: true });
  const done = db.prepare("SELECT count(*) AS n FROM tasks WHERE status IN ('succeeded', 'failed')");
  const failed = db.prepare("SELECT count(*) AS n FROM tasks WHERE status = 'failed'");
  const storedAt = db.prepare('SELECT id, finished_at FROM tasks');
  const count = (s: SQLite.Statement) => Number((s.get() as { n: number }).n);
  try {
    await createTasks(WARMUP);
    await waitFor(() => count(done) >= WARMUP, 'warm-up tasks', 120_000, 20);
    const measuredFrom = Date.now(); // the per-task figures below count the measured runs' tasks only
    for (let run = 0; run < RUNS; run++) {
      const before = count(done);
      const cpu0 = hub.cpuSeconds();
      const rcpu0 = runners.map((r) => procCpu(r.proc.pid));
      const t0 = performance.now();
      await createTasks(TASKS);
      const created = performance.now();
      await waitFor(() => count(done) - before >= TASKS, `${TASKS} results`, 600_000, 5);
      const seconds = (performance.now() - t0) / 1000;
      hubCpu.push(((hub.cpuSeconds() - cpu0) * 1e6) / TASKS);
      runnerCpu.push((runners.reduce((s, r, i) => s + procCpu(r.proc.pid) - rcpu0[i], 0) * 1e6) / TASKS);
      tps.push(TASKS / seconds);
      console.log(
        `  run ${run + 1}: ${(TASKS / seconds).toFixed(0)} tasks/s (${seconds.toFixed(2)} s; creating took ${((created - t0) / 1000).toFixed(2)} s), hub CPU ${hubCpu.at(-1)!.toFixed(0)} µs/task, runners' CPU ${runnerCpu.at(-1)!.toFixed(0)} µs/task`,
      );
      await sleep(500);
    }
    const bad = count(failed);
    if (bad) throw new Error(`${bad} tasks failed`);
    // Per-task overhead, from every runner's audit file and the hub's stored times.
    await sleep(300); // the audit files are written right after the hub acknowledges
    const hubDone = new Map((storedAt.all() as { id: string; finished_at: number | null }[]).map((r) => [r.id, r]));
    for (const r of runners) {
      for (const line of readFileSync(`${r.configPath}.audit.jsonl`, 'utf8').split('\n')) {
        if (!line) continue;
        const e = JSON.parse(line) as { task_id: string; started_at: string; finished_at?: string };
        if (!e.finished_at || Date.parse(e.started_at) < measuredFrom) continue;
        const fin = Date.parse(e.finished_at);
        ran.push(fin - Date.parse(e.started_at));
        const at = hubDone.get(e.task_id)?.finished_at;
        if (at) stored.push(at - fin);
      }
    }
  } finally {
    db.close();
  }
} finally {
  await Promise.all(runners.map((r) => r.stop()));
  await hub.stop();
}

const tp = median(tps);
const rows: Row[] = [
  { metric: 'tasks/s end to end', value: tp.toFixed(0), target: `≥ ${TARGET}`, ok: tp >= TARGET },
  { metric: 'hub CPU per task (µs)', value: median(hubCpu).toFixed(0) },
  { metric: `runners' CPU per task (µs, all ${RUNNERS})`, value: median(runnerCpu).toFixed(0) },
];
if (ran.length)
  rows.push(
    {
      metric: 'runner: started → finished, p50 / p90 (ms; audit file)',
      value: `${median(ran).toFixed(1)} / ${percentile(ran, 90).toFixed(1)}`,
    },
    {
      metric: 'finished → result stored, p50 / p90 (ms; hub finished_at)',
      value: stored.length ? `${median(stored).toFixed(1)} / ${percentile(stored, 90).toFixed(1)}` : '—',
    },
  );
else rows.push({ metric: 'runner: per-task overhead', value: 'no finished_at in the audit files' });
printTable(
  `Real runners: ${RUNNERS} runner processes × ${SLOTS} slots, DuckDB, op 100 limit 1 on a 200-row CSV, ${TASKS} tasks, 1 hub on SQLite (median of ${RUNS} runs)`,
  rows,
);
saveResults('real-runners', { runners: RUNNERS, slots: SLOTS, tasks: TASKS, runs: tps, rows });

async function createTasks(n: number): Promise<void> {
  let left = n;
  const worker = async () => {
    while (left > 0) {
      const k = Math.min(BATCH, left);
      left -= k;
      const res = await hub.api.post(
        '/api/v1/tasks',
        Array.from({ length: k }, () => ({ op: 100, params: { dataset: 'small', limit: 1 } })),
      );
      if (res.status !== 201) throw new Error(`create: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
    }
  };
  await Promise.all([worker(), worker()]);
}

/** CPU seconds (user + system) of a process and its children so far. */
function procCpu(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

interface BenchRunner {
  name: string;
  configPath: string;
  proc: Proc;
  stop(): Promise<unknown>;
}

/** The runner CLI in its own process, as scripts/lib/runner.ts starts it, plus the profiler's flags when asked. */
function startRunner(name: string): BenchRunner {
  const configPath = join(tempDir('simpul-bench-runner-'), 'runner.yaml');
  writeFileSync(
    configPath,
    stringify({
      hub: hub.url,
      name,
      enrollment_key: ENROLLMENT_KEY,
      datasets: [{ name: 'small', path: csv }],
      concurrency: SLOTS,
      log_level: 'warn',
    }),
  );
  const flags = profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : [];
  const child = spawn(
    process.execPath,
    [...flags, '--import', 'tsx', join(ROOT, 'runner/src/cli.ts'), '--config', configPath],
    { cwd: ROOT, env: { ...process.env, FORCE_COLOR: '0' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const proc = new Proc(name, child);
  return { name, configPath, proc, stop: () => proc.stop() };
}
