// Shared benchmark output: medians, a printed table, and a JSON file under bench/results/.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../lib/procs.ts';

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

export interface Row {
  metric: string;
  value: string;
  target?: string;
  ok?: boolean;
}

export function printTable(title: string, rows: Row[]) {
  const w = [
    Math.max(6, ...rows.map((r) => r.metric.length)),
    Math.max(5, ...rows.map((r) => r.value.length)),
    Math.max(6, ...rows.map((r) => (r.target ?? '').length)),
  ];
  console.log(`\n${title}`);
  console.log(`  ${'metric'.padEnd(w[0])}  ${'value'.padEnd(w[1])}  ${'target'.padEnd(w[2])}  met`);
  for (const r of rows)
    console.log(
      `  ${r.metric.padEnd(w[0])}  ${r.value.padEnd(w[1])}  ${(r.target ?? '').padEnd(w[2])}  ${r.ok === undefined ? '' : r.ok ? 'YES' : 'NO'}`,
    );
}

export function saveResults(name: string, data: unknown) {
  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify({ name, at: new Date().toISOString(), ...(data as object) }, null, 2));
  console.log(`  (saved ${file})`);
}
