// Results larger than the hub's inline limit go to the blob store; what is posted carries the link and a small inline part.
// Files are written first (before any review), uploaded only once the result may leave.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AnalysisKind, type AnalysisResult, type RowsResult } from '@simpul/protocol';
import type { Outgoing } from '../disclosure/gate.ts';
import { MARGIN, type Prepared, jsonBytes, joinLink } from '../disclosure/outgoing.ts';
import type { Released } from '../disclosure/released.ts';
import type { OpContext } from '../ops/context.ts';
import { ROWS_FILE, writeRowsFile } from './rows-file.ts';
import type { TaskBlobs } from './task-blobs.ts';

export { fitRows, jsonBytes } from '../disclosure/outgoing.ts';

const isAnalysisResult = (r: unknown): r is AnalysisResult =>
  r !== null &&
  typeof r === 'object' &&
  AnalysisKind.safeParse((r as { analysis?: unknown }).analysis).success &&
  !('step' in r);

/**
 * The released result ready to send: as it is when it fits inline; else its rows to a Parquet file (exactly the released
 * rows: the same query, cut to their number) or the analysis to a JSON file, in `dir`. Exports bring their own file.
 */
export async function prepareResult(ctx: OpContext, out: Released<Outgoing>, dir: string): Promise<Prepared> {
  if (out.kind === 'file') return { result: out.result as Released<unknown>, file: out.file, attach: 'export' };
  const result = out.result as Released<unknown>;
  const blobs = ctx.blobs;
  if (!blobs || jsonBytes(result) <= blobs.inlineMax - MARGIN) return { result };
  if (ctx.op === 100 || ctx.op === 200) {
    const r = result as unknown as RowsResult;
    ctx.log.info('result larger than the inline limit; writing it to a file for the blob store', {
      inline_max: blobs.inlineMax,
    });
    ctx.progress(91, 'writing the full result');
    const path = join(dir, `rows.${ROWS_FILE.extension}`);
    const rows = await writeRowsFile(ctx as OpContext<100> | OpContext<200>, path, r.rows.length);
    const filename = `${ctx.params.dataset}-${ctx.op === 200 ? 'filter' : 'rows'}.${ROWS_FILE.extension}`;
    return {
      result,
      file: { path, content_type: ROWS_FILE.content_type, filename, format: ROWS_FILE.format, rows },
      attach: 'rows',
    };
  }
  if (ctx.op === 300 && isAnalysisResult(result)) {
    ctx.log.info('analysis result larger than the inline limit; writing it to a file for the blob store', {
      inline_max: blobs.inlineMax,
    });
    const path = join(dir, 'result.json');
    await writeFile(path, JSON.stringify(result));
    return {
      result,
      file: {
        path,
        content_type: 'application/json',
        filename: `${ctx.params.dataset}-${result.analysis}.json`,
        format: 'json',
      },
      attach: 'analysis',
    };
  }
  return { result };
}

/** Uploads the prepared file, if any, and returns what to post. */
export async function shipResult(
  p: Prepared,
  blobs: TaskBlobs | undefined,
  progress: (percent: number, message?: string) => void,
): Promise<Released<unknown>> {
  if (!p.file) return p.result;
  if (!blobs) throw new Error("this result needs the hub's blob store, and this runner has no connection to a hub");
  const { path, ...meta } = p.file;
  const blob = await blobs.upload(path, meta, (f) => progress(Math.round(92 + 7 * f), `uploading ${meta.filename}`));
  return joinLink(p, blob, blobs.inlineMax);
}
