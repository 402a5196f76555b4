// Federated studies for tests and benchmarks: a CSV split into unequal site files, studies run through the API,
// and the same analysis on one runner holding the pooled file, to compare against.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Api } from './api.ts';
import { tempDir, waitFor } from './procs.ts';

/** Contiguous slices of a CSV (header repeated): by default 50 %, 30 % and 20 %, so that the sites differ in size. */
export function splitCsv(path: string, shares = [0.5, 0.3, 0.2], dir = tempDir('simpul-fed-')): string[] {
  const [head, ...rows] = readFileSync(path, 'utf8').trimEnd().split('\n');
  let start = 0;
  return shares.map((s, i) => {
    const end = i === shares.length - 1 ? rows.length : start + Math.round(s * rows.length);
    const file = join(dir, `site-${i + 1}.csv`);
    writeFileSync(file, `${[head, ...rows.slice(start, end)].join('\n')}\n`);
    start = end;
    return file;
  });
}

/** Starts a study and waits for it to end; returns the full study view. */
export async function runStudy(api: Api, body: Record<string, unknown>, timeoutMs = 120_000): Promise<any> {
  const r = await api.post('/api/v1/studies', body);
  if (r.status !== 201) throw new Error(`POST /studies: ${r.status} ${JSON.stringify(r.body)}`);
  return waitStudy(api, r.body.study_id, timeoutMs);
}

export async function getStudy(api: Api, id: string): Promise<any> {
  const r = await api.get(`/api/v1/studies/${id}`);
  if (r.status !== 200) throw new Error(`GET study ${id}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

export function waitStudy(api: Api, id: string, timeoutMs = 120_000): Promise<any> {
  return waitFor(
    async () => {
      const s = await getStudy(api, id);
      return s.status === 'running' ? undefined : s;
    },
    `study ${id} to end`,
    timeoutMs,
    50,
  );
}

/** An op 300 analysis as an ordinary task (the single-runner reference); returns its result. */
export async function analyse(api: Api, params: Record<string, unknown>, timeoutMs = 120_000): Promise<any> {
  const c = await api.post('/api/v1/tasks', { op: 300, params });
  if (c.status !== 201) throw new Error(`POST /tasks: ${c.status} ${JSON.stringify(c.body)}`);
  const t = await api.waitTask(c.body.task_id, ['succeeded', 'failed', 'canceled'], timeoutMs);
  if (t.status !== 'succeeded') throw new Error(`reference analysis ${t.status}: ${JSON.stringify(t.error)}`);
  return (await api.get(`/api/v1/result/${c.body.task_id}`)).body.result;
}

/** Relative deviation, tracking the largest one seen (reported by tests and the benchmark). */
export class Deviation {
  worst = 0;
  where = '';
  check(a: number | null | undefined, b: number | null | undefined, tol: number, what: string): void {
    if (a === null || a === undefined || b === null || b === undefined)
      throw new Error(`${what}: got ${a}, expected ${b}`);
    const d = a === b ? 0 : Math.abs(a - b) / Math.max(1e-300, Math.abs(b));
    if (d > this.worst) [this.worst, this.where] = [d, what];
    if (!(d <= tol))
      throw new Error(`${what}: got ${a}, expected ${b} (relative deviation ${d.toExponential(2)} > ${tol})`);
  }
}
