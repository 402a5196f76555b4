// The last steps before the connection: a released result joined with the link of its uploaded file, and the post itself.
// Only released values go in, so only released values come out.
import type { AnalysisResult, BlobRef, ResultPost, RowCounts, RowsResult, TaskOffer } from '@simpul/protocol';
import type { LocalFile } from './facts.ts';
import { type Released, mark } from './released.ts';

/** A released result, and the local file (if any) that travels as a link beside it. */
export interface Prepared {
  result: Released<unknown>;
  file?: LocalFile;
  csv?: LocalFile; // rows: the same rows as CSV, uploaded beside the Parquet file
  attach?: 'rows' | 'analysis' | 'export';
}

/** Bytes of JSON, measured the way the hub measures a posted result. */
export const jsonBytes = (v: unknown): number => Buffer.byteLength(JSON.stringify(v ?? null));

// Room for what the hub's measure and ours could disagree on (none known), so that a result near the limit is not refused.
export const MARGIN = 256;

/** The counts once `inline` rows of the full result travel inline (the rest only in the file). */
function inlineCounts(c: RowCounts, inline: number): RowCounts {
  const { inline_cut: _, ...rest } = c;
  return { ...rest, inline, ...(inline < c.full ? { inline_cut: 'inline_max' as const } : {}) };
}

/** As many leading rows as fit beside the rest of the result (and the links) within `max` bytes. */
export function fitRows(r: RowsResult, blob: BlobRef, max: number, csv?: BlobRef): RowsResult {
  const counts = r.row_counts && inlineCounts(r.row_counts, 0);
  const base: RowsResult = { ...r, rows: [], blob, ...(csv ? { csv } : {}), ...(counts ? { row_counts: counts } : {}) };
  let room = max - MARGIN - jsonBytes(base);
  const rows: RowsResult['rows'] = [];
  for (const row of r.rows) {
    room -= jsonBytes(row) + 1; // the row and its comma
    if (room < 0) break;
    rows.push(row);
  }
  return { ...base, rows, ...(counts ? { row_counts: inlineCounts(counts, rows.length) } : {}) };
}

/** The result as posted once its file is uploaded: the inline part and the link. */
export function joinLink(p: Prepared, blob: BlobRef, inlineMax: number, csv?: BlobRef): Released<unknown> {
  if (p.attach === 'rows') return mark(fitRows(p.result as unknown as RowsResult, blob, inlineMax, csv));
  if (p.attach === 'analysis') {
    const r = p.result as unknown as AnalysisResult;
    return mark({
      analysis: r.analysis,
      rows_used: r.rows_used,
      ...(r.warnings ? { warnings: r.warnings } : {}),
      ...(r.disclosure ? { disclosure: r.disclosure } : {}),
      blob,
    });
  }
  return mark({ ...blob, ...(p.result as object) });
}

export const succeededPost = (offer: TaskOffer, result: Released<unknown>): Released<ResultPost> =>
  mark({ task_id: offer.task_id, lease_token: offer.lease_token, status: 'succeeded', result });

export const failedPost = (
  offer: TaskOffer,
  error: Released<{ code: string; message: string; details?: unknown }>,
): Released<ResultPost> => mark({ task_id: offer.task_id, lease_token: offer.lease_token, status: 'failed', error });

/** A failure in the runner's own words (what went wrong with sending, never data): released as it is. */
export const ownFailure = (offer: TaskOffer, code: string, message: string): Released<ResultPost> =>
  mark({ task_id: offer.task_id, lease_token: offer.lease_token, status: 'failed', error: { code, message } });

/** Cancels carry the runner's own words (who stopped the task), never data. */
export const canceledPost = (offer: TaskOffer, message: string): Released<ResultPost> =>
  mark({
    task_id: offer.task_id,
    lease_token: offer.lease_token,
    status: 'canceled',
    error: { code: 'canceled', message },
  });

/** The same post under a renewed lease token. */
export const underLease = (post: Released<ResultPost>, leaseToken: string): Released<ResultPost> =>
  mark({ ...post, lease_token: leaseToken });
