// Results larger than the hub's inline limit go to the blob store; what is posted carries the link and a small inline part.
import { join } from 'node:path';
import { AnalysisKind, type AnalysisResult, type BlobRef, type LargeAnalysisResult, type RowsResult } from '@simpul/protocol';
import { writeFile } from 'node:fs/promises';
import type { OpContext } from '../ops/context.ts';
import { writeRowsFile, ROWS_FILE } from './rows-file.ts';
import type { TaskBlobs } from './task-blobs.ts';
import { withTempDir } from './temp-dir.ts';

/** Bytes of JSON, measured the way the hub measures a posted result. */
export const jsonBytes = (v: unknown): number => Buffer.byteLength(JSON.stringify(v ?? null));

// Room for what the hub's measure and ours could disagree on (none known), so that a result near the limit is not refused.
const MARGIN = 256;

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

const isAnalysisResult = (r: unknown): r is AnalysisResult =>
  r !== null && typeof r === 'object' && AnalysisKind.safeParse((r as { analysis?: unknown }).analysis).success && !('step' in r);

/**
 * The result to post: as it is when it fits inline; else rows go to a Parquet file (the first page stays inline) and an
 * analysis to a JSON file (a stub stays inline). Exports are links already; federated partials are small aggregates.
 */
export async function fitResult(ctx: OpContext, result: unknown): Promise<unknown> {
  const blobs = ctx.blobs;
  if (!blobs || jsonBytes(result) <= blobs.inlineMax - MARGIN) return result;
  if (ctx.op === 100 || ctx.op === 200) return rowsToBlob(ctx as OpContext<100> | OpContext<200>, blobs, result as RowsResult);
  if (ctx.op === 300 && isAnalysisResult(result)) return analysisToBlob(ctx as OpContext<300>, blobs, result);
  return result;
}

async function rowsToBlob(ctx: OpContext<100> | OpContext<200>, blobs: TaskBlobs, r: RowsResult): Promise<RowsResult> {
  ctx.log.info('result larger than the inline limit; writing it to the blob store', { inline_max: blobs.inlineMax });
  return withTempDir('simpul-result-', async (dir) => {
    const file = join(dir, `rows.${ROWS_FILE.extension}`);
    ctx.progress(91, 'writing the full result');
    const rows = await writeRowsFile(ctx, file);
    ctx.signal.throwIfAborted();
    const filename = `${ctx.params.dataset}-${ctx.op === 200 ? 'filter' : 'rows'}.${ROWS_FILE.extension}`;
    const blob = await blobs.upload(file, { content_type: ROWS_FILE.content_type, filename, format: ROWS_FILE.format, rows }, (f) =>
      ctx.progress(Math.round(92 + 7 * f), 'uploading the full result'),
    );
    return fitRows(r, blob, blobs.inlineMax);
  });
}

async function analysisToBlob(ctx: OpContext<300>, blobs: TaskBlobs, r: AnalysisResult): Promise<LargeAnalysisResult> {
  ctx.log.info('analysis result larger than the inline limit; writing it to the blob store', { inline_max: blobs.inlineMax });
  return withTempDir('simpul-result-', async (dir) => {
    const file = join(dir, 'result.json');
    await writeFile(file, JSON.stringify(r));
    const filename = `${ctx.params.dataset}-${r.analysis}.json`;
    const blob = await blobs.upload(file, { content_type: 'application/json', filename, format: 'json' }, (f) =>
      ctx.progress(Math.round(92 + 7 * f), 'uploading the result'),
    );
    return { analysis: r.analysis, rows_used: r.rows_used, ...(r.warnings ? { warnings: r.warnings } : {}), blob };
  });
}
