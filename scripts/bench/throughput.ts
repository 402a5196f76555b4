// npm run bench:throughput — 20,000 tasks through 50 simulated runners with a trivial op (create in batches → pushed and
// claimed → result stored), on SQLite and PostgreSQL, with one hub and with two hubs sharing PostgreSQL.
// Tasks/s = tasks ÷ seconds from the first create request to the last stored result; the median of the runs is reported.
// Each setup first takes BENCH_WARMUP tasks (default 10,000) that are not counted; the runs then alternate between the
// setups (see below).
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { dropSchema, PG_URL } from '../lib/hub-cluster.ts';
import { sleep, waitFor } from '../lib/procs.ts';
import { registerSims, SimRunner } from '../lib/sim-runner.ts';
import { BenchHub, ENROLLMENT_KEY } from './bench-hub.ts';
import { median, printTable, saveResults, type Row } from './report.ts';

const TASKS = Number(process.env.BENCH_TASKS ?? 20_000);
const RUNNERS = Number(process.env.BENCH_TP_RUNNERS ?? 50);
const SLOTS = Number(process.env.BENCH_TP_SLOTS ?? 8); // task slots per runner
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 10_000); // tasks through each setup before the measured runs
const BATCH = 1000; // the API's largest batch
const SETUPS = (process.env.BENCH_TP_SETUPS ?? 'sqlite-1,postgres-1,postgres-2').split(',');

interface Setup {
  name: string;
  db: 'sqlite' | 'postgres';
  hubs: number;
  target: number;
}
const ALL: Record<string, Setup> = {
  'sqlite-1': { name: 'SQLite, 1 hub', db: 'sqlite', hubs: 1, target: 5000 },
  'postgres-1': { name: 'PostgreSQL, 1 hub', db: 'postgres', hubs: 1, target: 2000 },
  'postgres-2': { name: 'PostgreSQL, 2 hubs', db: 'postgres', hubs: 2, target: 2000 },
};

interface Outcome {
  setup: string;
  key: string;
  runs: number[];
  median: number;
  target: number;
  /** Median hub CPU per task (µs), one figure per hub; and the database server's (PostgreSQL) when it could be read. */
  hubCpuUs: number[];
  dbCpuUs: number | null;
}
// Every setup is started and warmed first; then the runs go round the setups (run 1 of each, then run 2 of each, …),
// so that a slow minute of this shared machine falls on every setup alike rather than on whichever ran then. The
// setups not being measured stay connected and idle (each in its own database or schema: they do not hear each other).
const live: Live[] = [];
try {
  for (const key of SETUPS) {
    const setup = ALL[key];
    if (!setup) throw new Error(`unknown setup ${key}; choose from ${Object.keys(ALL).join(', ')}`);
    live.push(await open(key, setup));
  }
  for (const l of live) await warm(l);
  for (let run = 0; run < RUNS; run++) for (const l of live) await measure(l, run);
} finally {
  for (const l of live) await l.close();
}
const results: Outcome[] = live.map((l) => ({
  setup: l.setup.name,
  key: l.key,
  runs: l.tps,
  median: median(l.tps),
  target: l.setup.target,
  hubCpuUs: l.hubCpu.map(median),
  dbCpuUs: l.dbCpu.length ? median(l.dbCpu) : null,
}));

const rows: Row[] = [];
for (const r of results) {
  rows.push({
    metric: `${r.setup}: tasks/s`,
    value: r.median.toFixed(0),
    target: `≥ ${r.target}`,
    ok: r.median >= r.target,
  });
  const cpu = r.hubCpuUs.map((u) => u.toFixed(0)).join(' + ');
  const sqlite = r.key === 'sqlite-1';
  rows.push({
    metric: `${r.setup}: hub CPU per task (µs${r.hubCpuUs.length > 1 ? ', each hub' : ''})`,
    value: cpu,
    ...(sqlite ? { target: '≤ 200', ok: r.hubCpuUs[0] <= 200 } : {}),
  });
  if (r.dbCpuUs !== null)
    rows.push({ metric: `${r.setup}: PostgreSQL CPU per task (µs)`, value: r.dbCpuUs.toFixed(0) });
}
const one = results.find((r) => r.key === 'postgres-1');
const two = results.find((r) => r.key === 'postgres-2');
if (one && two) {
  const ratio = two.median / one.median;
  rows.push({ metric: 'PostgreSQL: 2 hubs ÷ 1 hub', value: ratio.toFixed(2), target: '≥ 1.00', ok: ratio >= 1 });
}
printTable(
  `Throughput, ${TASKS} tasks through ${RUNNERS} runners × ${SLOTS} slots (create → claim → result stored; median of ${RUNS} runs)`,
  rows,
);
saveResults('throughput', { tasks: TASKS, runners: RUNNERS, slots: SLOTS, rows, setups: results });

/** A started setup: its hubs, its simulated runners, and its figures so far. */
interface Live {
  key: string;
  setup: Setup;
  hubs: BenchHub[];
  sims: SimRunner[];
  count: Awaited<ReturnType<typeof counter>>;
  tps: number[];
  hubCpu: number[][];
  dbCpu: number[];
  close(): Promise<void>;
}

async function open(key: string, setup: Setup): Promise<Live> {
  console.log(`${setup.name}: starting`);
  const schema = `simpul_bench_${process.pid}_${randomBytes(3).toString('hex')}`;
  // Every simulated runner serves 'tp': all of them are sites at once.
  const env: Record<string, string> = {
    SIMPUL_SITE_APPROVAL: 'auto',
    ...(setup.db === 'postgres' ? { SIMPUL_DATABASE_URL: `${PG_URL}?schema=${schema}` } : {}),
  };
  const hubs: BenchHub[] = [];
  const sims: SimRunner[] = [];
  let count: Live['count'] | undefined;
  const close = async () => {
    await count?.close();
    sims.forEach((s) => s.stop());
    await Promise.all(hubs.map((h) => h.stop()));
    if (setup.db === 'postgres') await dropSchema(schema);
  };
  try {
    for (let i = 0; i < setup.hubs; i++) hubs.push(await BenchHub.create(`bench-tp-${key}-${i}`, env));
    const ids = await registerSims(hubs[0].url, ENROLLMENT_KEY, RUNNERS, () => ['tp'], `tp-${key}`);
    ids.forEach((id, i) => sims.push(new SimRunner(id, hubs[i % hubs.length].url, { concurrency: SLOTS })));
    sims.forEach((s) => s.start());
    await Promise.all(sims.map((s) => s.whenReady()));
    count = await counter(setup, hubs[0], schema);
  } catch (err) {
    await close();
    throw err;
  }
  return { key, setup, hubs, sims, count, tps: [], hubCpu: hubs.map(() => []), dbCpu: [], close };
}

function completed(l: Live): number {
  return l.sims.reduce((n, s) => n + s.completed, 0);
}

/**
 * Not counted: the first thousands of tasks through a new hub pay for compiling (V8, SQL statements) and for filling the
 * database's caches, which a running hub has paid already.
 */
async function warm(l: Live): Promise<void> {
  if (WARMUP <= 0) return;
  const before = completed(l);
  await createAll(l.hubs, WARMUP);
  await waitFor(() => completed(l) - before >= WARMUP, 'warm-up', 600_000, 5);
  console.log(`${l.setup.name}: warm-up of ${WARMUP} tasks, not counted`);
  await sleep(1000);
}

async function measure(l: Live, run: number): Promise<void> {
  const { setup, hubs, sims, hubCpu, dbCpu } = l;
  const before = completed(l);
  const stored0 = await l.count();
  const cpu0 = hubs.map((h) => h.cpuSeconds());
  const db0 = setup.db === 'postgres' ? postgresCpuSeconds() : null;
  const t0 = performance.now();
  await createAll(hubs);
  const created = performance.now();
  await waitFor(() => completed(l) - before >= TASKS, `${TASKS} results`, 600_000, 5);
  const seconds = (performance.now() - t0) / 1000;
  hubs.forEach((h, i) => hubCpu[i].push(((h.cpuSeconds() - cpu0[i]) * 1e6) / TASKS));
  if (db0 !== null) dbCpu.push(((postgresCpuSeconds() - db0) * 1e6) / TASKS);
  const stored = (await l.count()) - stored0;
  const errors = sims.reduce((n, s) => n + s.errors, 0);
  if (stored !== TASKS) throw new Error(`${setup.name}: ${stored} results stored, expected ${TASKS}`);
  l.tps.push(TASKS / seconds);
  const perTask = hubCpu.map((c) => c.at(-1)!.toFixed(0)).join(' + ');
  console.log(
    `  ${setup.name}, run ${run + 1}: ${(TASKS / seconds).toFixed(0)} tasks/s, hub CPU ${perTask} µs/task${db0 !== null ? `, PostgreSQL ${dbCpu.at(-1)!.toFixed(0)} µs/task` : ''} (${seconds.toFixed(2)} s; creating took ${((created - t0) / 1000).toFixed(2)} s; ${errors} runner errors)`,
  );
  await sleep(1000);
}

/** CPU seconds of every PostgreSQL server process on this machine (the bench's database runs here), ended ones too. */
function postgresCpuSeconds(): number {
  let ticks = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'postgres') continue;
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      // Its own CPU, and (the postmaster) that of the backends it reaped: one whose connection closed still counts.
      ticks += Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
    } catch {
      // the process ended meanwhile
    }
  }
  return ticks / 100;
}

/** Creates TASKS tasks in batches, two requests in flight, spread over the hubs. */
async function createAll(hubs: BenchHub[], tasks = TASKS): Promise<void> {
  const batches = Math.ceil(tasks / BATCH);
  let next = 0;
  const worker = async () => {
    while (next < batches) {
      const b = next++;
      const n = Math.min(BATCH, tasks - b * BATCH);
      const res = await hubs[b % hubs.length].api.post(
        '/api/v1/tasks',
        Array.from({ length: n }, () => ({ op: 100, params: { dataset: 'tp' } })),
      );
      if (res.status !== 201) throw new Error(`create: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
    }
  };
  await Promise.all([worker(), worker()]);
}

/** Counts stored results straight from the database, to check what the runners were told. */
async function counter(
  setup: Setup,
  hub: BenchHub,
  schema: string,
): Promise<{ (): Promise<number>; close(): Promise<void> }> {
  if (setup.db === 'sqlite') {
    const db = new SQLite(join(hub.dataDir, 'simpul.db'), { readonly: true });
    const stmt = db.prepare("SELECT count(*) AS n FROM tasks WHERE status = 'succeeded' AND result IS NOT NULL");
    return Object.assign(async () => Number((stmt.get() as { n: number }).n), { close: async () => void db.close() });
  }
  const client = new pg.Client({ connectionString: PG_URL, options: `-c search_path=${schema}` });
  await client.connect();
  const f = async () =>
    Number(
      (await client.query("SELECT count(*) AS n FROM tasks WHERE status = 'succeeded' AND result IS NOT NULL")).rows[0]
        .n,
    );
  return Object.assign(f, { close: () => client.end() });
}
