// A task's result, read with its op's schema: rows, an analysis, or a file in the blob store; and links to such files.
import {
  AnalysisResult,
  BlobRef,
  ExportResult,
  FederatedPartial,
  LargeAnalysisResult,
  RowsResult,
} from '@simpul/protocol';
import type { Cell, OpCode } from '@simpul/protocol';

export type ResultShape =
  | { kind: 'rows'; rows: RowsResult }
  | { kind: 'analysis'; analysis: AnalysisResult }
  | { kind: 'file'; file: BlobRef }
  | { kind: 'partial'; partial: FederatedPartial } // one site's aggregates for one round of a federated study
  | { kind: 'unknown'; problem: string };

const issuesText = (issues: readonly { path: readonly PropertyKey[]; message: string }[]) =>
  issues
    .slice(0, 3)
    .map((i) => `${i.path.map(String).join('.') || 'result'}: ${i.message}`)
    .join('; ');

const isCell = (v: unknown): v is Cell =>
  v === null || typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
const isRow = (r: unknown): r is Cell[] => Array.isArray(r) && r.every(isCell);

/**
 * `RowsResult.safeParse` with the rows checked by a plain loop, to the same rules (each row an array of cells): zod
 * copies every row, and for 100,000 rows that took hundreds of ms, plus as much garbage collection, in one long task.
 */
function parseRows(raw: unknown): ReturnType<typeof RowsResult.safeParse> {
  const obj = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : null;
  const rows = obj?.rows;
  if (!obj || !Array.isArray(rows) || !rows.every(isRow)) return RowsResult.safeParse(raw); // zod says what is wrong
  const rest = RowsResult.safeParse({ ...obj, rows: [] });
  return rest.success ? { ...rest, data: { ...rest.data, rows } } : rest;
}

/** What the result of a task with this op is. A result too large to keep inline may arrive as a file link instead. */
export function readResult(op: OpCode, raw: unknown): ResultShape {
  const parsed = op === 300 ? AnalysisResult.safeParse(raw) : op === 400 ? ExportResult.safeParse(raw) : parseRows(raw);
  if (parsed.success) {
    if (op === 300) return { kind: 'analysis', analysis: parsed.data as AnalysisResult };
    if (op === 400) return { kind: 'file', file: parsed.data as ExportResult };
    return { kind: 'rows', rows: parsed.data as RowsResult };
  }
  if (op === 300) {
    const partial = FederatedPartial.safeParse(raw);
    if (partial.success) return { kind: 'partial', partial: partial.data };
    // Too large to keep inline: the link is the blob's, which the hub rewrote to its own download path.
    const large = LargeAnalysisResult.safeParse(raw);
    if (large.success) return { kind: 'file', file: large.data.blob };
  }
  const file = BlobRef.safeParse(raw);
  if (file.success) return { kind: 'file', file: file.data };
  return { kind: 'unknown', problem: issuesText(parsed.error.issues) };
}

/**
 * Where a blob link points: only ever the hub that serves this app (its download path redirects to a short-lived signed
 * link, S3's included). Relative links resolve against its origin, not the page's path. A link to anywhere else came
 * from a runner's text, not from the hub's own blob id, and is refused, as is anything but http(s).
 */
export function hubUrl(url: string, origin: string): string | null {
  let u: URL;
  let base: URL;
  try {
    base = new URL(origin.replace(/\/*$/, '/'));
    u = new URL(url, base);
  } catch {
    return null;
  }
  return (u.protocol === 'http:' || u.protocol === 'https:') && u.origin === base.origin ? u.href : null;
}

const EXTENSIONS: Record<string, string> = {
  csv: 'csv',
  parquet: 'parquet',
  json: 'json',
  ndjson: 'ndjson',
  xlsx: 'xlsx',
  pdf: 'pdf',
};

/** The file name to save a blob as: the runner's own name when it gave one, else one made from the task and format. */
export function downloadName(file: BlobRef, base: string): string {
  const own = file.filename?.split(/[\\/]/).pop();
  if (own) return own;
  const ext =
    EXTENSIONS[file.format.toLowerCase()] ?? (/^[a-z0-9]{1,8}$/i.test(file.format) ? file.format.toLowerCase() : 'bin');
  return `${base}.${ext}`;
}
