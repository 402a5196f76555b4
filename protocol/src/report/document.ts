// A result as a report: who made it and from what (meta), then one section per part of the result, each a table and
// maybe a chart. Every export format is written from this: an xlsx sheet per section, a CSV block per section, PDF pages.
import type { Disclosure } from '../disclosure.ts';
import type { Cell } from '../ops.ts';
import { disclosureNote, type DisclosureContext } from './disclosure-note.ts';
import { formatNumber } from './format.ts';

export interface ReportMeta {
  title: string; // e.g. "Linear regression: seattle"
  description: string; // one line: what was asked, e.g. "temp_max ~ temp_min + wind on seattle"
  dataset: string;
  task_id?: string;
  source_task_id?: string; // the task whose result this exports, when the export is a task of its own
  study_id?: string;
  runner?: string; // runner name or id; several for a study
  filter?: string; // readable text of the filter
  rows?: number; // rows the result was computed from
  created_at: string; // ISO time the export was made
}

export interface ReportTable {
  columns: string[]; // human labels
  rows: Cell[][];
}

export type ReportChart =
  | { kind: 'histograms'; items: { title: string; edges: number[]; counts: (number | null)[] }[] }
  | { kind: 'bars'; title: string; labels: string[]; values: (number | null)[]; x_label: string; y_label: string }
  | {
      kind: 'xy';
      title: string;
      x: number[];
      y: number[];
      x_label: string;
      y_label: string;
      group?: number[]; // e.g. the cluster of each point, from 0: drawn with a legend
      group_label?: string; // e.g. "Cluster"
      line?: { x: number[]; y: number[] };
      diagonal?: boolean;
      points?: boolean;
    }
  | { kind: 'heatmap'; title: string; labels: string[]; values: (number | null)[][] };

export interface ReportSection {
  name: string; // short: an xlsx sheet name (≤ 31 characters), a CSV block's heading
  title: string; // the PDF heading
  text?: string[]; // sentences shown above the table in the PDF
  chart?: ReportChart;
  table: ReportTable;
}

export interface ReportDoc {
  meta: ReportMeta;
  notes: string[]; // the disclosure note and the result's warnings, one sentence each
  sections: ReportSection[]; // the Summary section is made from meta and notes (`summarySection`)
}

export const NOTHING_WITHHELD = 'Disclosure control: no release rule withheld or changed anything in this result.';

/** The disclosure note's sentences: what the release rules withheld or changed, or that they did nothing. */
export function disclosureLines(d: Disclosure | undefined, ctx: DisclosureContext = {}): string[] {
  const note = disclosureNote(d, ctx);
  const lines = [...note.lines, ...note.notes].map((l) => `Disclosure control: ${l}.`.replace(/\.\.$/, '.'));
  return lines.length ? lines : [NOTHING_WITHHELD];
}

/** The first sheet and the PDF's header: title, description, ids, runner, dataset, time, and the notes. */
export function summarySection(doc: ReportDoc): ReportSection {
  const m = doc.meta;
  const rows: [string, Cell | undefined][] = [
    ['Title', m.title],
    ['Description', m.description],
    ['Task id', m.task_id],
    ['Exported from task', m.source_task_id],
    ['Study id', m.study_id],
    ['Runner', m.runner],
    ['Dataset', m.dataset],
    ['Filter', m.filter],
    ['Rows used', m.rows],
    ['Generated at', m.created_at],
  ];
  const notes: [string, Cell][] = doc.notes.map((n) => ['Note', n]);
  return {
    name: 'Summary',
    title: 'Summary',
    table: {
      columns: ['Field', 'Value'],
      rows: [...rows.filter((r): r is [string, Cell] => r[1] !== undefined), ...notes],
    },
  };
}

/** Key-value rows ("Metric", "Value") from a list, leaving out those a result does not have. */
export function metricRows(pairs: [string, Cell | undefined][]): Cell[][] {
  return pairs.filter((p): p is [string, Cell] => p[1] !== undefined).map(([k, v]) => [k, v]);
}

/** "12,345 rows" */
export const rowsText = (n: number): string => `${formatNumber(n)} ${n === 1 ? 'row' : 'rows'}`;
