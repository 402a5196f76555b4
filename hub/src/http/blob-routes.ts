// Routes of the blob store: upload slots for runners, the hub's own signed PUT/GET links, and downloads for users.
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import type { Hono } from 'hono';
import { BlobId, ROUTES, RowsFileFormat, SignedQuery, TaskId, UploadRequest } from '@simpul/protocol';
import { auditRequest } from '../audit/audit.ts';
import type { BlobService } from '../blobs/service.ts';
import { contentDisposition } from '../blobs/backend.ts';
import { rowsFile } from '../blobs/rows-download.ts';
import { notFound, unavailable } from '../errors.ts';
import { getTask } from '../queue/tasks.ts';
import { isAdmin, requireRunner, requireUser } from './guards/caller.ts';
import { visibleTask } from './guards/task.ts';
import type { Ctx, HubEnv } from './env.ts';
import { readBody, readParam, readQuery } from './parse.ts';

function blobsOf(c: Ctx): BlobService {
  const blobs = c.get('hub').blobs;
  if (!blobs) throw unavailable('this hub has no blob store');
  return blobs;
}

export function blobRoutes(app: Hono<HubEnv>): void {
  app.post(ROUTES.upload.path, async (c) => {
    const runner = await requireRunner(c);
    const body = await readBody(c, UploadRequest);
    return c.json(await blobsOf(c).slot(runner, body), 201);
  });

  // The signature in the query is the credential: these links work without a token, for a few minutes.
  app.put(ROUTES.putBlob.path, async (c) => {
    const id = readParam(c, 'blob_id', BlobId);
    const q = readQuery(c, SignedQuery);
    const raw = c.req.raw.body;
    const body = raw ? Readable.fromWeb(raw as NodeReadableStream) : null;
    return c.json(await blobsOf(c).receive(id, q, body, c.req.header('content-length')));
  });

  app.get(ROUTES.getBlob.path, async (c) => {
    const id = readParam(c, 'blob_id', BlobId);
    const q = readQuery(c, SignedQuery);
    const { row, stream } = await blobsOf(c).openLocal(id, q);
    return c.body(Readable.toWeb(stream) as ReadableStream, 200, {
      'content-type': row.content_type,
      'content-length': String(row.bytes),
      'content-disposition': contentDisposition(row.filename),
      'x-content-type-options': 'nosniff',
      'cache-control': 'private, no-store',
    });
  });

  // Only the task's creator (or an admin) gets a link; anyone else is told the task does not exist.
  app.get(ROUTES.download.path, async (c) => {
    const user = await requireUser(c);
    const id = readParam(c, 'task_id', TaskId);
    const task = await getTask(c.get('hub').db, id);
    if (!task || (!isAdmin(user) && task.created_by !== user.user.id)) throw notFound(`no task ${id}`);
    const url = await blobsOf(c).downloadLink(task);
    await auditRequest(c, {
      action: 'result.downloaded',
      target: { kind: 'task', id: task.id },
      details: { dataset: task.dataset, op: task.op, file: true },
    });
    c.header('cache-control', 'no-store');
    return c.redirect(url, 302);
  });

  // The full rows of an op 100/200 result, streamed through the hub (not a redirect), so that one link serves both
  // formats, also for a result that is wholly inline; the caller is checked as for the result itself.
  app.get(ROUTES.downloadRows.path, async (c) => {
    const user = await requireUser(c);
    const task = await visibleTask(c, user);
    const format = readParam(c, 'format', RowsFileFormat);
    const file = await rowsFile(c.get('hub').blobs ?? null, task, format);
    await auditRequest(c, {
      action: 'result.downloaded',
      target: { kind: 'task', id: task.id },
      details: { dataset: task.dataset, op: task.op, file: true, format },
    });
    return c.body(Readable.toWeb(file.stream) as ReadableStream, 200, {
      'content-type': file.contentType,
      ...(file.bytes !== undefined ? { 'content-length': String(file.bytes) } : {}),
      'content-disposition': contentDisposition(file.filename),
      'x-content-type-options': 'nosniff',
      'cache-control': 'private, no-store',
      ...(file.rows !== undefined ? { 'x-simpul-rows': String(file.rows) } : {}),
    });
  });
}
