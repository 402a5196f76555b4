// GET /api/v1/result/{id}/download/{csv|parquet} over real HTTP: a large op 200 result's Parquet file and CSV twin
// streamed whole through the hub (its own store and an S3-protocol server), a wholly inline result written as CSV by
// the hub, and only for the task's owner; on SQLite and PostgreSQL.
import { createHash } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ClaimReply, UploadSlot, blobUrl, rowsFilePath } from '@simpul/protocol';
import { call, login, register } from '../testing/http.ts';
import { startS3, type TestS3 } from '../testing/s3.ts';
import { addUser, startTestHub, type Dialect, type TestHub } from '../testing/support.ts';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const columns = [
  { name: 'id', type: 'BIGINT', kind: 'number' },
  { name: 'note', type: 'VARCHAR', kind: 'string' },
];
/** 5,000 rows, some with a comma and a quote, as the runner's CSV file would hold them. */
const ROWS = Array.from({ length: 5000 }, (_, i) => [i, i % 7 === 0 ? `say "hi", ${i}` : `n${i}`]);
const CSV = Buffer.from(
  `id,note\n${ROWS.map(([i, n]) => `${i},${String(n).includes(',') ? `"${String(n).replaceAll('"', '""')}"` : n}`).join('\n')}\n`,
);
const PARQUET = Buffer.concat([Buffer.from('PAR1'), Buffer.alloc(200_000, 3), Buffer.from('PAR1')]); // bytes as sent

interface Ctx {
  hub: TestHub;
  s3?: TestS3;
  admin: string;
  runner: { runner_id: string; token: string };
}

/** A filter task of the admin's, claimed by the test's runner. */
async function claimedFilter(c: Ctx): Promise<{ task_id: string; lease_token: string }> {
  const created = await call(c.hub.url, 'POST', '/api/v1/tasks', {
    token: c.admin,
    body: {
      op: 200,
      runner_id: c.runner.runner_id,
      params: { dataset: 'rows', where: { column: 'x', op: '>', value: 0 }, limit: 5000 },
    },
  });
  assert.is(created.status, 201, JSON.stringify(created.body));
  const claim = await call(c.hub.url, 'GET', `/api/v1/tasks?runner_id=${c.runner.runner_id}&wait=5`, {
    token: c.runner.token,
  });
  const offer = ClaimReply.parse(claim.body).tasks.find((t) => t.task_id === created.body.task_id);
  assert.ok(offer, 'claimed');
  return { task_id: offer.task_id, lease_token: offer.lease_token };
}

/** Uploads a file for the task as a runner does (slot, then PUT) and returns its reference for the result. */
async function uploaded(c: Ctx, task: { task_id: string; lease_token: string }, bytes: Buffer, format: string) {
  const meta = { content_type: format === 'csv' ? 'text/csv' : 'application/vnd.apache.parquet' };
  const filename = `rows-filter.${format}`;
  const s = await call(c.hub.url, 'POST', '/api/v1/uploads', {
    token: c.runner.token,
    body: { ...task, ...meta, filename, bytes: bytes.length, sha256: sha(bytes) },
  });
  const slot = UploadSlot.parse(s.body);
  const put = await fetch(new URL(slot.upload_url, c.hub.url), { method: 'PUT', headers: slot.headers, body: bytes });
  assert.is(put.status, 200);
  return { url: blobUrl(slot.blob_id), bytes: bytes.length, sha256: sha(bytes), rows: ROWS.length, format, filename };
}

async function finish(c: Ctx, task: { task_id: string; lease_token: string }, result: unknown) {
  const r = await call(c.hub.url, 'POST', '/api/v1/result', {
    token: c.runner.token,
    body: { ...task, status: 'succeeded', result },
  });
  assert.is(r.status, 200, JSON.stringify(r.body));
}

const get = (c: Ctx, path: string, token?: string) =>
  fetch(c.hub.url + path, token ? { headers: { authorization: `Bearer ${token}` } } : {});

function downloadSuite(backend: 'local' | 's3', dialect: Dialect) {
  const test = suite<Ctx>(`rows downloads: ${backend} on ${dialect}`, {} as Ctx);

  test.before(async (c) => {
    if (backend === 's3') c.s3 = await startS3();
    c.hub = await startTestHub(c.s3?.env ?? {}, dialect);
    c.admin = (await login(c.hub.url, 'admin', 'admin-password')).token;
    c.runner = await register(c.hub.url, 'test-enrollment-key', 'rows-runner', ['rows']);
  });
  test.after(async (c) => {
    await c.hub?.cleanup();
    await c.s3?.close();
  });

  test('a large result: CSV and Parquet are streamed whole, not only the rows inline', async (c) => {
    const task = await claimedFilter(c);
    const blob = await uploaded(c, task, PARQUET, 'parquet');
    const csv = await uploaded(c, task, CSV, 'csv');
    const counts = { limit: 5000, full: 5000, inline: 3, full_cut: 'limit', inline_cut: 'inline_max' };
    const result = { columns, rows: ROWS.slice(0, 3), total_rows: 9000, matched_rows: 7000, offset: 0 };
    await finish(c, task, { ...result, blob, csv, row_counts: counts });

    const view = await call(c.hub.url, 'GET', `/api/v1/result/${task.task_id}`, { token: c.admin });
    assert.is(view.body.result.csv.url, rowsFilePath(task.task_id, 'csv'), 'users read the hub path of the CSV');
    assert.equal(view.body.result.row_counts, counts);

    const gotCsv = await get(c, rowsFilePath(task.task_id, 'csv'), c.admin);
    assert.is(gotCsv.status, 200);
    assert.is(gotCsv.redirected, false, 'streamed by the hub, not redirected');
    const csvBytes = Buffer.from(await gotCsv.arrayBuffer());
    assert.is(sha(csvBytes), sha(CSV), 'every row of the full result');
    assert.is(csvBytes.toString().trim().split('\n').length, ROWS.length + 1);
    assert.match(gotCsv.headers.get('content-type') ?? '', 'text/csv');
    assert.match(gotCsv.headers.get('content-disposition') ?? '', 'rows-filter.csv');
    assert.is(gotCsv.headers.get('x-simpul-rows'), '5000');

    const gotParquet = await get(c, rowsFilePath(task.task_id, 'parquet'), c.admin);
    assert.is(gotParquet.status, 200);
    assert.is(sha(Buffer.from(await gotParquet.arrayBuffer())), sha(PARQUET));

    const blobs = await c.hub.db
      .selectFrom('blobs')
      .select(['id', 'expires_at'])
      .where('task_id', '=', task.task_id)
      .execute();
    const t = await c.hub.db
      .selectFrom('tasks')
      .select('result_expires_at')
      .where('id', '=', task.task_id)
      .executeTakeFirstOrThrow();
    assert.is(blobs.length, 2);
    for (const b of blobs) assert.is(b.expires_at, t.result_expires_at, 'both files live as long as the result');

    // Another analyst is told the task does not exist; no session is 401; a runner is no user.
    await addUser(c.hub.ctx, `carol-${backend}`);
    const carol = (await login(c.hub.url, `carol-${backend}`, `carol-${backend}-password`)).token;
    assert.is((await get(c, rowsFilePath(task.task_id, 'csv'), carol)).status, 404);
    assert.is((await get(c, rowsFilePath(task.task_id, 'csv'))).status, 401);
    assert.ok([401, 403].includes((await get(c, rowsFilePath(task.task_id, 'csv'), c.runner.token)).status));
    assert.is((await get(c, `/api/v1/result/${task.task_id}/download/xlsx`, c.admin)).status, 400, 'csv or parquet');
  });

  test('a wholly inline result: the hub writes its CSV; there is no Parquet file', async (c) => {
    const task = await claimedFilter(c);
    const rows = ROWS.slice(0, 40);
    await finish(c, task, {
      columns,
      rows,
      total_rows: 9000,
      matched_rows: 337,
      offset: 0,
      row_counts: { limit: 40, full: 40, inline: 40, full_cut: 'limit' },
    });
    const got = await get(c, rowsFilePath(task.task_id, 'csv'), c.admin);
    assert.is(got.status, 200);
    const lines = (await got.text()).trimEnd().split('\r\n');
    assert.is(lines.length, 41, 'header and every row');
    assert.is(lines[0], 'id,note');
    assert.is(lines[8], '7,"say ""hi"", 7"', 'quoted as RFC 4180 asks');
    const parquet = await get(c, rowsFilePath(task.task_id, 'parquet'), c.admin);
    assert.is(parquet.status, 404);
    assert.match(((await parquet.json()) as any).error.message, /inline .* download it as CSV/);
  });

  test('a result may not name the CSV of another task, and a task without a result has nothing to download', async (c) => {
    const other = await claimedFilter(c);
    const foreign = await uploaded(c, other, CSV, 'csv');
    const task = await claimedFilter(c);
    const blob = await uploaded(c, task, PARQUET, 'parquet');
    const r = await call(c.hub.url, 'POST', '/api/v1/result', {
      token: c.runner.token,
      body: {
        ...task,
        status: 'succeeded',
        result: { columns, rows: [], total_rows: 1, offset: 0, blob, csv: foreign },
      },
    });
    assert.is(r.status, 400);
    assert.match(r.body.error.message, /does not belong/);
    assert.is((await get(c, rowsFilePath(other.task_id, 'csv'), c.admin)).status, 404, 'still running');
  });

  test.run();
}

downloadSuite('local', 'sqlite');
downloadSuite('s3', 'sqlite');
downloadSuite('local', 'postgres');
