// Results larger than the hub's inline limit go to the blob store; what is posted carries the link and a small inline part.
// Files are written first (before any review), uploaded only once the result may leave.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AnalysisKind, type AnalysisResult, type RowsResult } from '@simpul/protocol';
import type { LocalFile } from '../disclosure/facts.ts';
import type { Outgoing } from '../disclosure/gate.ts';
import { MARGIN, type Prepared, jsonBytes, joinLink } from '../disclosure/outgoing.ts';
import type { Released } from '../disclosure/released.ts';
import type { OpContext } from '../ops/context.ts';
import { CSV_FILE, ROWS_FILE, writeCsvCopy, writeRowsFile } from './rows-file.ts';
import type { TaskBlobs } from './task-blobs.ts';

export { fitRows, jsonBytes } from '../disclosure/outgoing.ts';

const isAnalysisResult = (r: unknown): r is AnalysisResult =>
  r !== null &&
  typeof r === 'object' &&
  AnalysisKind.safeParse((r as { analysis?: unknown }).analysis).success &&
  !('step' in r);

/**
 * The released result ready to send: as it is when it fits inline; else its rows to a Parquet file (exactly the released
 * rows: the same query, cut to their number) or the analysis to a JSON file, in `folder` (or the one it makes when called,
 * so that a result sent inline costs no folder). Exports bring their own file.
 */
export async function prepareResult(
  ctx: OpContext,
  out: Released<Outgoing>,
  folder: string | (() => Promise<string>),
): Promise<Prepared> {
  const dir = async () => (typeof folder === 'string' ? folder : folder());
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
    const path = join(await dir(), `rows.${ROWS_FILE.extension}`);
    const rowsCtx = ctx as OpContext<100> | OpContext<200>;
    const rows = await writeRowsFile(rowsCtx, path, r.rows.length);
    const csvPath = join(await dir(), `rows.${CSV_FILE.extension}`);
    await writeCsvCopy(rowsCtx, path, csvPath);
    const base = `${ctx.params.dataset}-${ctx.op === 200 ? 'filter' : 'rows'}`;
    const meta = (f: typeof ROWS_FILE | typeof CSV_FILE, at: string) => ({
      path: at,
      content_type: f.content_type,
      filename: `${base}.${f.extension}`,
      format: f.format,
      rows,
    });
    return { result, file: meta(ROWS_FILE, path), csv: meta(CSV_FILE, csvPath), attach: 'rows' };
  }
  if (ctx.op === 300 && isAnalysisResult(result)) {
    ctx.log.info('analysis result larger than the inline limit; writing it to a file for the blob store', {
      inline_max: blobs.inlineMax,
    });
    const path = join(await dir(), 'result.json');
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
  const upload = ({ path, ...meta }: LocalFile, from: number, span: number) =>
    blobs.upload(path, meta, (f) => progress(Math.round(from + span * f), `uploading ${meta.filename}`));
  const blob = await upload(p.file, 92, p.csv ? 4 : 7);
  const csv = p.csv ? await upload(p.csv, 96, 3) : undefined;
  return joinLink(p, blob, blobs.inlineMax, csv);
}
