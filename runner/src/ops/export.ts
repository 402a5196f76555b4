// op 400: a file of the (filtered) rows or of an analysis, written to a private temp folder and uploaded to the hub's blob store.
import { join } from 'node:path';
import type { ExportFormat, ExportParams, ExportResult } from '@simpul/protocol';
import { withTempDir } from '../blobs/temp-dir.ts';
import { countRows } from '../export/data-export.ts';
import { writeExport } from '../export/write-export.ts';
import { TaskFailure } from '../errors.ts';
import type { OpContext } from './context.ts';
import { asTaskFailure, sqlSource } from './sql-source.ts';

export const EXPORT_TYPES = {
  csv: 'text/csv',
  parquet: 'application/vnd.apache.parquet',
  json: 'application/json',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  pdf: 'application/pdf',
} as const satisfies Record<ExportFormat, string>;

/** e.g. `weather.csv`, `weather-describe.pdf`. */
export const exportFilename = (p: ExportParams) => `${p.dataset}${p.analysis ? `-${p.analysis.analysis}` : ''}.${p.format}`;

// Writing the file takes the first 80% of the progress bar, the upload the rest.
const WRITE_SHARE = 0.8;

export async function exportData(ctx: OpContext<400>): Promise<ExportResult> {
  const p = ctx.params;
  const blobs = ctx.blobs;
  if (!blobs) throw new TaskFailure('op_failed', "exports go to the hub's blob store, and this runner has no connection to a hub");
  try {
    const source = await sqlSource(ctx, p.dataset, [p.where, p.analysis?.where]);
    const src = { ...source, progress: (pct: number, message?: string) => ctx.progress(Math.round(pct * WRITE_SHARE), message) };
    await checkRowCap(ctx, p, src);
    return await withTempDir('simpul-export-', async (dir) => {
      const file = join(dir, `export.${p.format}`);
      const out = await writeExport(src, p, file);
      ctx.signal.throwIfAborted();
      const filename = exportFilename(p);
      ctx.progress(Math.round(100 * WRITE_SHARE), `uploading ${filename}`);
      const blob = await blobs.upload(
        file,
        { content_type: EXPORT_TYPES[p.format], filename, format: p.format, rows: out.rows, bytes: out.bytes, sha256: out.sha256 },
        (f) => ctx.progress(Math.round(100 * WRITE_SHARE + (99 - 100 * WRITE_SHARE) * f), `uploading ${filename}`),
      );
      return { ...blob, rows: out.rows };
    });
  } catch (e) {
    throw asTaskFailure(e);
  }
}

/**
 * Raw rows leave only within the data owner's `max_rows` (as for ops 100 and 200). A file cut short would mislead, so a
 * larger export is refused; analyses and the PDF data report are aggregates and not capped.
 */
async function checkRowCap(ctx: OpContext<400>, p: ExportParams, src: Parameters<typeof countRows>[0]): Promise<void> {
  const cap = ctx.engine.policy(p.dataset)?.max_rows;
  if (cap === undefined || p.analysis || p.format === 'pdf') return;
  ctx.progress(1, 'counting rows');
  const n = await countRows(src);
  if (n > cap) {
    throw new TaskFailure('policy_denied', `${n} rows match, and dataset "${p.dataset}" lets at most ${cap} raw rows leave this runner per task: filter further, or export an analysis`);
  }
}
