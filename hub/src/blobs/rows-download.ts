// The full result of an op 100/200 task as one file for its user: the runner's Parquet file or CSV twin streamed from
// the blob store, or, when the whole result is inline (at most the inline limit), its rows written as CSV here.
import { Readable } from 'node:stream';
import { type RowsFileFormat, RowsResult, rowsToCsv } from '@simpul/protocol';
import type { TaskRow } from '../db/schema.ts';
import { notFound } from '../errors.ts';
import { fromJson } from '../store/json.ts';
import type { BlobService } from './service.ts';

export interface RowsFile {
  stream: Readable;
  contentType: string;
  filename: string;
  bytes?: number;
  rows?: number;
}

function storedRows(task: TaskRow): RowsResult {
  if (task.op !== 100 && task.op !== 200)
    throw notFound(
      `task ${task.id} is op ${task.op}: only op 100 and 200 results are rows to download as CSV or Parquet`,
    );
  if (task.status !== 'succeeded' || task.result === null)
    throw notFound(
      `task ${task.id} has no result${task.status === 'succeeded' ? ' (it expired)' : ` (it is ${task.status})`}`,
    );
  return fromJson(task.result, RowsResult, null as never, { table: 'tasks', id: task.id, column: 'result' });
}

/** The file, or a 404 that says what there is instead. */
export async function rowsFile(blobs: BlobService | null, task: TaskRow, format: RowsFileFormat): Promise<RowsFile> {
  const r = storedRows(task);
  const ref = format === 'parquet' ? r.blob : r.csv;
  if (ref) {
    const stored = await blobs?.readOf(task, ref);
    if (!stored) throw notFound(`the ${format} file of task ${task.id} is no longer stored`);
    const { row, stream } = stored;
    return { stream, contentType: row.content_type, filename: row.filename, bytes: row.bytes, rows: ref.rows };
  }
  if (format === 'parquet')
    throw notFound(
      `the whole result of task ${task.id} is inline (${r.rows.length} rows) and has no Parquet file: download it as CSV`,
    );
  if (r.blob)
    throw notFound(
      `the runner of task ${task.id} wrote its full result as Parquet only: download that (format parquet)`,
    );
  const csv = Buffer.from(rowsToCsv(r));
  return {
    stream: Readable.from([csv]),
    contentType: 'text/csv; charset=utf-8',
    filename: `${task.dataset ?? 'result'}-${task.op === 200 ? 'filter' : 'rows'}.csv`,
    bytes: csv.length,
    rows: r.rows.length,
  };
}
