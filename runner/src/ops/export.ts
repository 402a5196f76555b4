// op 400: a file of the (filtered) rows or of an analysis, written to a private temp folder from content that passed the
// release gate; the executor uploads it to the hub's blob store once the result may leave.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExportFormat, ExportParams } from '@simpul/protocol';
import { countRows } from '../export/data-export.ts';
import { writeExport } from '../export/write-export.ts';
import type { UnreleasedOf } from '../disclosure/facts.ts';
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
export const exportFilename = (p: ExportParams) =>
  `${p.dataset}${p.analysis ? `-${p.analysis.analysis}` : ''}.${p.format}`;

// Writing the file takes the first 80% of the progress bar, the upload the rest.
const WRITE_SHARE = 0.8;

export async function exportData(ctx: OpContext<400>): Promise<UnreleasedOf<400>> {
  const p = ctx.params;
  if (!ctx.blobs)
    throw new TaskFailure(
      'op_failed',
      "exports go to the hub's blob store, and this runner has no connection to a hub",
    );
  const dir = await mkdtemp(join(tmpdir(), 'simpul-export-'));
  const cleanup = () => rm(dir, { recursive: true, force: true });
  try {
    const source = await sqlSource(ctx, p.dataset, [p.where, p.analysis?.where]);
    const src = {
      ...source,
      progress: (pct: number, message?: string) => ctx.progress(Math.round(pct * WRITE_SHARE), message),
    };
    // Raw rows leave only within the data owner's max_rows and daily budget; analyses and the PDF data report are
    // aggregates, released by the gate before they are written.
    const rawRows = !p.analysis && p.format !== 'pdf';
    let disclosure = rawRows ? await checkRows(ctx, src) : undefined;
    const path = join(dir, `export.${p.format}`);
    const out = await writeExport(
      src,
      p,
      path,
      (r) => {
        const released = ctx.gate.analysis(r, source.querySet);
        disclosure = released.disclosure;
        return released;
      },
      { task_id: ctx.task_id, ...(ctx.runner_name ? { runner: ctx.runner_name } : {}) },
    );
    ctx.signal.throwIfAborted();
    const filename = exportFilename(p);
    ctx.progress(Math.round(100 * WRITE_SHARE), `${filename} written`);
    return {
      kind: 'file',
      file: {
        path,
        content_type: EXPORT_TYPES[p.format],
        filename,
        format: p.format,
        rows: out.rows,
        bytes: out.bytes,
        sha256: out.sha256,
      },
      result: { rows: out.rows, ...(disclosure ? { disclosure } : {}) },
      cleanup,
    };
  } catch (e) {
    await cleanup();
    throw asTaskFailure(e);
  }
}

/** Counts the rows an export of data would write and has the gate charge them (or refuse). */
async function checkRows(ctx: OpContext<400>, src: Parameters<typeof countRows>[0]) {
  if (!ctx.gate.policy) return undefined;
  ctx.progress(1, 'counting rows');
  const n = await countRows(src);
  return ctx.gate.exportRows(n).disclosure;
}
