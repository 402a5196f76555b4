// npm run bench — every benchmark part in turn (each in its own process, with the raised open-file limit this process
// was given by with-fds.sh), then one table of every figure beside its target. Parts write bench/results/<part>.json.
// Usage: npm run bench [-- part ...]   parts: dispatch throughput single-creates real-runners connections failover ops
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../lib/procs.ts';
import { printTable, type Row } from './report.ts';

const PARTS = ['dispatch', 'throughput', 'single-creates', 'real-runners', 'connections', 'failover', 'ops'];
const asked = process.argv.slice(2);
const parts = (asked.length ? asked : PARTS).filter((p) => existsSync(join(ROOT, 'scripts', 'bench', `${p}.ts`)));

// The whole suite must end within 15 minutes on a 2-core machine: most parts repeat their measurement three times, as
// alone (a median of two is their mean, and one run that meets a database checkpoint would sway it; in connections, one
// idle window holds the full collection of the 10,000 connects' garbage); the long ones (failover, ops) twice, and the
// data-ops part uses 1M-row files (`npm run bench:ops` alone adds 10M rows). Set BENCH_RUNS or BENCH_SIZES to choose
// otherwise.
const SUITE_DEFAULTS: Record<string, string> = { BENCH_RUNS: '3', BENCH_SIZES: '1000000' };
const LONG_PARTS = new Set(['failover', 'ops']);

const started = Date.now();
const outcome: { part: string; code: number | null; seconds: number }[] = [];
for (const part of parts) {
  console.log(`\n=== ${part} ===`);
  const t0 = Date.now();
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts', 'bench', `${part}.ts`)], {
      cwd: ROOT,
      stdio: 'inherit',
      env: { ...SUITE_DEFAULTS, ...(LONG_PARTS.has(part) ? { BENCH_RUNS: '2' } : {}), ...process.env },
    });
    child.on('exit', (c) => resolve(c));
  });
  outcome.push({ part, code, seconds: (Date.now() - t0) / 1000 });
}

/** A part's rows: its own (`rows` in its JSON), or read from the fields of parts that predate that convention. */
function rowsOf(part: string): Row[] {
  const file = join(ROOT, 'bench', 'results', `${part}.json`);
  if (!existsSync(file)) return [{ metric: `${part}: no results`, value: '—' }];
  const data = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  if (Array.isArray(data.rows)) return data.rows as Row[];
  if (part === 'failover' && typeof data.median_s === 'number') {
    return [
      {
        metric: 'failover: SIGKILL → running elsewhere, median (s)',
        value: data.median_s.toFixed(2),
        target: '≤ 20',
        ok: data.median_s <= 20,
      },
      { metric: 'failover: duplicate results', value: String(data.duplicates), target: '0', ok: data.duplicates === 0 },
    ];
  }
  return Object.entries(data)
    .filter(([k, v]) => k !== 'name' && k !== 'at' && (typeof v === 'number' || typeof v === 'string'))
    .map(([k, v]) => ({
      metric: `${part}: ${k}`,
      value: typeof v === 'number' ? String(Math.round(v * 100) / 100) : String(v),
    }));
}

const rows: Row[] = [];
for (const o of outcome) {
  if (o.code !== 0) rows.push({ metric: `${o.part}: FAILED (exit ${o.code})`, value: '—' });
  else
    rows.push(
      ...rowsOf(o.part).map((r) =>
        r.metric.startsWith(`${o.part}:`) ? r : { ...r, metric: `${o.part}: ${r.metric}` },
      ),
    );
}
printTable(
  `Simpul benchmarks (${((Date.now() - started) / 60_000).toFixed(1)} min; ${outcome.map((o) => `${o.part} ${o.seconds.toFixed(0)} s`).join(', ')})`,
  rows,
);
process.exit(outcome.every((o) => o.code === 0) ? 0 : 1);
