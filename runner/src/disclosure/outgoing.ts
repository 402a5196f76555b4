// The last steps before the connection: a released result joined with the link of its uploaded file, and the post itself.
// Only released values go in, so only released values come out.
import type { AnalysisResult, BlobRef, ResultPost, RowsResult, TaskOffer } from '@simpul/protocol';
import type { LocalFile } from './facts.ts';
import { type Released, mark } from './released.ts';

/** A released result, and the local file (if any) that travels as a link beside it. */
export interface Prepared {
  result: Released<unknown>;
  file?: LocalFile;
  attach?: 'rows' | 'analysis' | 'export';
}

/** Bytes of JSON, measured the way the hub measures a posted result. */
export const jsonBytes = (v: unknown): number => Buffer.byteLength(JSON.stringify(v ?? null));

// Room for what the hub's measure and ours could disagree on (none known), so that a result near the limit is not refused.
export const MARGIN = 256;

/** As many leading rows as fit beside the rest of the result within `max` bytes. */
export function fitRows(r: RowsResult, blob: BlobRef, max: number): RowsResult {
  const base: RowsResult = { ...r, rows: [], blob };
  let room = max - MARGIN - jsonBytes(base);
  const rows: RowsResult['rows'] = [];
  for (const row of r.rows) {
    room -= jsonBytes(row) + 1; // the row and its comma
    if (room < 0) break;
    rows.push(row);
  }
  return { ...base, rows };
}

/** The result as posted once its file is uploaded: the inline part and the link. */
export function joinLink(p: Prepared, blob: BlobRef, inlineMax: number): Released<unknown> {
  if (p.attach === 'rows') return mark(fitRows(p.result as unknown as RowsResult, blob, inlineMax));
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
