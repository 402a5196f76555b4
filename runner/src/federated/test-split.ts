// Test support: a real dataset split into three site files of unequal sizes, a DuckDB source per site, and a study
// driven round by round through the protocol's planner, with every message passing through JSON and its schema.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  FederatedPartial,
  FederatedRoundParams,
  type SitePartial,
  StudyCreate,
  type StudyCreateInput,
  StudyResult,
  StudyState,
  advanceStudy,
  startStudy,
} from '@simpul/protocol';
import { compileFilter } from '../engine/filter-sql.ts';
import { type TestSource, openTestSource } from '../analysis/test-source.ts';
import { runFederatedRound } from './run-round.ts';

export type Row = Record<string, unknown>;

const cell = (v: unknown): string => {
  if (v === null || v === undefined) return ''; // DuckDB reads an empty unquoted field as NULL
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return `"${String(v).replaceAll('"', '""')}"`;
};

export function writeCsv(path: string, rows: Row[], columns: string[]): string {
  writeFileSync(
    path,
    `${[columns.map(cell).join(','), ...rows.map((r) => columns.map((c) => cell(r[c])).join(','))].join('\n')}\n`,
  );
  return path;
}

/** Contiguous slices of 50 %, 30 % and 20 % (files are often sorted, so the sites differ, as real sites do). */
export function splitRows(rows: Row[], shares = [0.5, 0.3, 0.2]): Row[][] {
  const out: Row[][] = [];
  let start = 0;
  shares.forEach((s, i) => {
    const end = i === shares.length - 1 ? rows.length : start + Math.round(s * rows.length);
    out.push(rows.slice(start, end));
    start = end;
  });
  return out;
}

export interface Split {
  pooled: string;
  parts: string[];
  rows: Row[][];
}

/** `rows` as one pooled CSV and three site CSVs in `dir`. */
export function writeSplit(dir: string, name: string, rows: Row[], columns: string[]): Split {
  const parts = splitRows(rows);
  return {
    pooled: writeCsv(join(dir, `${name}-all.csv`), rows, columns),
    parts: parts.map((p, i) => writeCsv(join(dir, `${name}-site${i + 1}.csv`), p, columns)),
    rows: parts,
  };
}

export interface Site {
  site: string;
  src: TestSource;
}

export const SITE_NAMES = ['hospital-a', 'hospital-b', 'hospital-c'];

export async function openSites(paths: string[], minGroupSize?: (i: number) => number | undefined): Promise<Site[]> {
  return Promise.all(
    paths.map(async (p, i) => ({
      site: SITE_NAMES[i],
      src: await openTestSource(p, { minGroupSize: minGroupSize?.(i) }),
    })),
  );
}

export const closeSites = (sites: Site[]) => sites.forEach((s) => s.src.close());

/** JSON out and back in through a schema, as a message between hub and runner travels. */
function travel<T>(
  schema: { safeParse(x: unknown): { success: true; data: T } | { success: false; error: unknown } },
  value: unknown,
  what: string,
): T {
  const parsed = schema.safeParse(JSON.parse(JSON.stringify(value)));
  if (!parsed.success) throw new Error(`${what} does not match its schema: ${String(parsed.error)}`);
  return parsed.data;
}

/** A study request without its dataset (the sites' files are all called "data"). */
export type StudyInput = StudyCreateInput extends infer T ? (T extends unknown ? Omit<T, 'dataset'> : never) : never;

/** Runs a whole study over `sites`, the way the hub will: plan a round, run it at every site, combine, repeat. */
export async function runStudy(sites: Site[], input: StudyInput, study_id = 'study-1') {
  const req = StudyCreate.parse({ dataset: 'data', ...input });
  let plan = startStudy(study_id, req);
  const rounds: FederatedRoundParams[] = [];
  const partials: SitePartial[][] = [];
  while (plan.status === 'round') {
    const params = travel(FederatedRoundParams, plan.params, 'round params');
    rounds.push(params);
    const parts: SitePartial[] = [];
    for (const { site, src } of sites) {
      // The engine compiles the round's filter for the dataset before the round runs.
      src.where = params.where ? compileFilter(params.where, src.columns, 'data') : undefined;
      parts.push({ site, partial: travel(FederatedPartial, await runFederatedRound(src, params), 'partial') });
    }
    partials.push(parts);
    plan = advanceStudy(study_id, req, travel(StudyState, plan.state, 'study state'), parts);
  }
  return { result: travel(StudyResult, plan.result, 'study result'), rounds, partials };
}
