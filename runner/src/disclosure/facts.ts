// What the gate needs to know besides a result itself: the query set, and per cell its cell key and dominance figures.
// Facts ride on results under a symbol key, so JSON.stringify never sends them, even by mistake.
import type { AnalysisResult, Disclosure, FederatedPartial, OpCode, RowsResult } from '@simpul/protocol';
import type { FileMeta } from '../blobs/blob-client.ts';

export const FACTS: unique symbol = Symbol('simpul.disclosure.facts');

/** The rows a task's filter selected, and the whole it selected them from. */
export interface QuerySet {
  filtered: boolean;
  selected: number;
  total: number;
  cellKey?: number; // sum of the selected rows' record keys (cell-key noise)
}

/** Per group_by group: its cell key, and per aggregate the top-n and total of absolute values (dominance). */
export interface GroupFacts {
  cellKey?: number;
  top?: (number | null)[];
  abs?: (number | null)[];
}

export interface CellFacts {
  groups?: GroupFacts[];
  bins?: Record<string, number[]>; // histogram bins' cell keys, by column
  top?: Record<string, number[]>; // top values' cell keys, by column
  means?: Record<string, { top: number | null; abs: number | null }>; // describe: dominance of each mean
  withheldRows?: number; // group_by: rows in the groups the op withheld
}

export type WithFacts<T> = T & { [FACTS]?: CellFacts };

export const factsOf = (r: object): CellFacts => (r as WithFacts<object>)[FACTS] ?? {};

/** A local file ready to upload, with what its link should say (the blob client's file metadata). */
export interface LocalFile extends FileMeta {
  path: string;
}

/** What an op hands the gate: its result, never yet sendable. */
export type Unreleased =
  | { kind: 'rows'; op: 100 | 200; result: RowsResult; querySet?: QuerySet }
  | { kind: 'analysis'; result: WithFacts<AnalysisResult>; querySet?: QuerySet }
  | { kind: 'partial'; result: FederatedPartial; querySet?: QuerySet }
  // op 400: a file written from content that already passed the gate (ctx.gate), uploaded once released.
  | { kind: 'file'; file: LocalFile; result: { rows: number; disclosure?: Disclosure }; cleanup: () => Promise<void> };

export type UnreleasedOf<C extends OpCode> = C extends 100 | 200
  ? Extract<Unreleased, { kind: 'rows' }>
  : C extends 300
    ? Extract<Unreleased, { kind: 'analysis' | 'partial' }>
    : Extract<Unreleased, { kind: 'file' }>;
