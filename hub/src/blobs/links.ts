// What users read: a stored result's `blob:<id>` reference becomes the hub's download path, which redirects to a signed link.
import { blobIdOf, downloadPath, rowsFilePath } from '@simpul/protocol';
import type { TaskRow } from '../db/schema.ts';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const isBlobUrl = (v: unknown) => typeof v === 'string' && blobIdOf(v) !== null;

export function withDownloadLink(task: Pick<TaskRow, 'id' | 'op' | 'result_blob'>, result: unknown): unknown {
  if (task.result_blob === null || !isObj(result)) return result;
  const url = downloadPath(task.id);
  if (task.op === 400 && isBlobUrl(result.url)) return { ...result, url };
  if (!isObj(result.blob) || !isBlobUrl(result.blob.url)) return result;
  const out: Obj = { ...result, blob: { ...result.blob, url } };
  // Rows: their CSV twin is streamed by the hub (GET /api/v1/result/{id}/download/csv).
  if (isObj(result.csv) && isBlobUrl(result.csv.url)) out.csv = { ...result.csv, url: rowsFilePath(task.id, 'csv') };
  return out;
}
