// The blob store over real HTTP: upload slots fenced by the lease, the hub's own signed PUT/GET, an S3-protocol server
// (s3rver), results that name blobs, downloads for the owner only, expired and forged links, and the purge.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ClaimReply, UploadSlot, blobUrl, downloadPath } from '@simpul/protocol';
import { reapOnce } from '../queue/reaper.ts';
import { call, login, register } from '../testing/http.ts';
import { startS3, type TestS3 } from '../testing/s3.ts';
import { addUser, startTestHub, type Dialect, type TestHub } from '../testing/support.ts';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

interface Ctx {
  hub: TestHub;
  s3?: TestS3;
  admin: string;
  runner: { runner_id: string; token: string };
}

/** A task of the admin's, claimed by the test's runner: its id and lease token. */
async function claimed(c: Ctx, op = 400): Promise<{ task_id: string; lease_token: string }> {
  const params =
    op === 400 ? { dataset: 'files', format: 'csv' } : { dataset: 'files', where: { column: 'x', op: '>', value: 0 } };
  const created = await call(c.hub.url, 'POST', '/api/v1/tasks', {
    token: c.admin,
    body: { op, params, runner_id: c.runner.runner_id },
  });
  assert.is(created.status, 201, JSON.stringify(created.body));
  const claim = await call(c.hub.url, 'GET', `/api/v1/tasks?runner_id=${c.runner.runner_id}&wait=5`, {
    token: c.runner.token,
  });
  const offer = ClaimReply.parse(claim.body).tasks.find((t) => t.task_id === created.body.task_id);
  assert.ok(offer, 'the task was claimed');
  return { task_id: offer.task_id, lease_token: offer.lease_token };
}

async function slot(
  c: Ctx,
  task: { task_id: string; lease_token: string },
  bytes: Buffer,
  over: Record<string, unknown> = {},
) {
  return call(c.hub.url, 'POST', '/api/v1/uploads', {
    token: c.runner.token,
    body: {
      ...task,
      bytes: bytes.length,
      sha256: sha(bytes),
      content_type: 'text/csv',
      filename: 'files-export.csv',
      ...over,
    },
  });
}

/** PUTs to the slot's link the way a runner does (relative links are the hub's own). */
function put(c: Ctx, s: UploadSlot, bytes: Buffer, url = s.upload_url) {
  return fetch(new URL(url, c.hub.url), {
    method: 'PUT',
    headers: { ...s.headers, 'content-length': String(bytes.length) },
    body: bytes,
  });
}

const exportResult = (id: string, bytes: Buffer) => ({
  url: blobUrl(id),
  bytes: bytes.length,
  sha256: sha(bytes),
  rows: 2,
  format: 'csv',
  filename: 'files-export.csv',
});

function postResult(c: Ctx, task: { task_id: string; lease_token: string }, result: unknown) {
  return call(c.hub.url, 'POST', '/api/v1/result', {
    token: c.runner.token,
    body: { ...task, status: 'succeeded', result },
  });
}

/** Uploads `bytes` for a new task and stores its export result. */
async function exported(c: Ctx, bytes: Buffer) {
  const task = await claimed(c);
  const s = UploadSlot.parse((await slot(c, task, bytes)).body);
  assert.is((await put(c, s, bytes)).status, 200);
  const stored = await postResult(c, task, exportResult(s.blob_id, bytes));
  assert.is(stored.status, 200, JSON.stringify(stored.body));
  return { task, slot: s };
}

function blobSuite(backend: 'local' | 's3', dialect: Dialect) {
  const test = suite<Ctx>(`blob store: ${backend} on ${dialect}`, {} as Ctx);

  test.before(async (c) => {
    if (backend === 's3') c.s3 = await startS3();
    c.hub = await startTestHub(c.s3?.env ?? {}, dialect);
    c.admin = (await login(c.hub.url, 'admin', 'admin-password')).token;
    c.runner = await register(c.hub.url, 'test-enrollment-key', 'uploader', ['files']);
  });
  test.after(async (c) => {
    await c.hub?.cleanup();
    await c.s3?.close();
  });

  test('an upload slot is fenced by the lease and capped in size', async (c) => {
    const task = await claimed(c);
    const bytes = Buffer.from('x,y\n1,2\n');
    const stale = await slot(c, { ...task, lease_token: 'not-the-lease' }, bytes);
    assert.equal([stale.status, stale.body.error.code], [409, 'stale_lease']);
    const other = await register(c.hub.url, 'test-enrollment-key', 'someone-else', ['files']);
    const foreign = await call(c.hub.url, 'POST', '/api/v1/uploads', {
      token: other.token,
      body: { ...task, bytes: 1, sha256: sha(Buffer.from('a')), content_type: 'text/csv', filename: 'a.csv' },
    });
    assert.is(foreign.status, 403);
    const huge = await slot(c, task, bytes, { bytes: c.hub.ctx.config.blobs.maxBytes + 1 });
    assert.equal([huge.status, huge.body.error.code], [413, 'payload_too_large']);
    const badName = await slot(c, task, bytes, { filename: '../../etc/passwd' });
    assert.is(badName.status, 400);
    const asUser = await call(c.hub.url, 'POST', '/api/v1/uploads', {
      token: c.admin,
      body: { ...task, bytes: 1, sha256: sha(bytes), content_type: 'text/csv', filename: 'a.csv' },
    });
    assert.is(asUser.status, 403, 'users cannot ask for upload slots');

    const ok = await slot(c, task, bytes);
    assert.is(ok.status, 201);
    const s = UploadSlot.parse(ok.body);
    assert.is(s.method, 'PUT');
    assert.is(s.headers['content-type'], 'text/csv');
    assert.ok(Date.parse(s.expires_at) > Date.now());
    if (backend === 'local') assert.ok(s.upload_url.startsWith(`/api/v1/blobs/${s.blob_id}?exp=`), s.upload_url);
    else assert.ok(s.upload_url.startsWith(`${c.s3!.endpoint}/${c.s3!.bucket}/`), s.upload_url);
  });

  test('upload, result, download: the bytes come back as uploaded, for the owner only', async (c) => {
    const bytes = Buffer.concat([Buffer.from('x,y\n'), randomBytes(300_000)]); // larger than one chunk
    const { task, slot: s } = await exported(c, bytes);

    const view = await call(c.hub.url, 'GET', `/api/v1/result/${task.task_id}`, { token: c.admin });
    assert.is(view.body.result.url, downloadPath(task.task_id), 'users read the download path, not the blob reference');
    assert.equal([view.body.result.bytes, view.body.result.sha256], [bytes.length, sha(bytes)]);
    const row = await c.hub.db
      .selectFrom('tasks')
      .select(['result', 'result_blob'])
      .where('id', '=', task.task_id)
      .executeTakeFirstOrThrow();
    assert.ok(row.result!.includes(blobUrl(s.blob_id)), 'the stored result keeps the reference');

    const link = await fetch(c.hub.url + downloadPath(task.task_id), {
      headers: { authorization: `Bearer ${c.admin}` },
      redirect: 'manual',
    });
    assert.is(link.status, 302);
    const location = new URL(link.headers.get('location')!, c.hub.url);
    if (backend === 's3') assert.is(location.origin, c.s3!.endpoint, 'the bytes come straight from the bucket');
    const got = await fetch(location);
    assert.is(got.status, 200);
    const body = Buffer.from(await got.arrayBuffer());
    assert.is(body.length, bytes.length);
    assert.is(sha(body), sha(bytes));
    assert.match(got.headers.get('content-disposition') ?? '', 'files-export.csv');
    const audited = await c.hub.db
      .selectFrom('audit_log')
      .select('details')
      .where('action', '=', 'result.downloaded')
      .where('target_id', '=', task.task_id)
      .execute();
    assert.ok(
      audited.some((a) => JSON.parse(a.details).file === true),
      'the download is in the audit log',
    );

    // Another analyst is told the task does not exist; no credentials at all is 401.
    await addUser(c.hub.ctx, `bob-${backend}`);
    const bob = (await login(c.hub.url, `bob-${backend}`, `bob-${backend}-password`)).token;
    const theirs = await fetch(c.hub.url + downloadPath(task.task_id), {
      headers: { authorization: `Bearer ${bob}` },
      redirect: 'manual',
    });
    assert.is(theirs.status, 404);
    assert.is((await fetch(c.hub.url + downloadPath(task.task_id), { redirect: 'manual' })).status, 401);
    const wrongToken = await fetch(c.hub.url + downloadPath(task.task_id), {
      headers: { authorization: 'Bearer sms_not-a-session' },
      redirect: 'manual',
    });
    assert.is(wrongToken.status, 401);
  });

  test('tampered and expired links are refused', async (c) => {
    const bytes = Buffer.from('x,y\n1,2\n3,4\n');
    const { task } = await exported(c, bytes);
    const t = await c.hub.db.selectFrom('tasks').selectAll().where('id', '=', task.task_id).executeTakeFirstOrThrow();
    const fresh = new URL(await c.hub.ctx.blobs!.downloadLink(t), c.hub.url);
    if (backend === 'local') {
      const sig = fresh.searchParams.get('sig')!;
      fresh.searchParams.set('sig', (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1));
    } else {
      // s3rver checks the key and the expiry of a presigned URL but does not recompute SigV4 signatures: forge the key.
      fresh.searchParams.set(
        'X-Amz-Credential',
        fresh.searchParams.get('X-Amz-Credential')!.replace(/^[^/]+/, 'FORGED'),
      );
    }
    assert.is((await fetch(fresh)).status, 403, 'a tampered link');
    // A link made 10 minutes ago, valid for the default 5 minutes.
    const old = new URL(await c.hub.ctx.blobs!.downloadLink(t, Date.now() - 600_000), c.hub.url);
    const expired = await fetch(old);
    assert.is(expired.status, 403, 'an expired link');
    if (backend === 'local') assert.match(((await expired.json()) as any).error.message, /expired/);
  });

  test('a result must name a blob of its own task that arrived whole', async (c) => {
    const bytes = Buffer.from('x,y\n5,6\n');
    const task = await claimed(c);
    const s = UploadSlot.parse((await slot(c, task, bytes)).body);
    const early = await postResult(c, task, exportResult(s.blob_id, bytes));
    assert.is(early.status, 400, 'not uploaded yet');
    assert.match(early.body.error.message, /not been uploaded/);
    const notARef = await postResult(c, task, {
      ...exportResult(s.blob_id, bytes),
      url: 'https://example.org/file.csv',
    });
    assert.is(notARef.status, 400);
    const other = await claimed(c);
    const otherSlot = UploadSlot.parse((await slot(c, other, bytes)).body);
    assert.is((await put(c, otherSlot, bytes)).status, 200);
    const foreign = await postResult(c, task, exportResult(otherSlot.blob_id, bytes));
    assert.is(foreign.status, 400, "another task's blob");
    assert.match(foreign.body.error.message, /does not belong/);
    assert.is((await put(c, s, bytes)).status, 200);
    const wrongSize = await postResult(c, task, { ...exportResult(s.blob_id, bytes), bytes: bytes.length + 1 });
    assert.is(wrongSize.status, 400);
    assert.is((await postResult(c, task, exportResult(s.blob_id, bytes))).status, 200);
    assert.is(
      (await postResult(c, task, exportResult(s.blob_id, bytes))).body.stored,
      false,
      'the same result again is a no-op',
    );
  });

  if (backend === 'local') {
    test("the hub's own store checks size, SHA-256 and signature, and takes the bytes once", async (c) => {
      const bytes = Buffer.from('x,y\n7,8\n');
      const task = await claimed(c);
      const s = UploadSlot.parse((await slot(c, task, bytes)).body);
      const forged = s.upload_url.replace(/sig=[^&]+/, 'sig=AAAA');
      assert.is((await put(c, s, bytes, forged)).status, 403);
      const asDownload = s.upload_url; // a PUT link does not download
      assert.is((await fetch(new URL(asDownload, c.hub.url))).status, 403);
      const wrong = Buffer.from('x,y\n7,9\n');
      const mismatch = await put(c, s, wrong);
      assert.is(mismatch.status, 400);
      assert.match(((await mismatch.json()) as any).error.message, /SHA-256/);
      const longer = await put(c, s, Buffer.concat([bytes, Buffer.from('more')]));
      assert.is(longer.status, 413);
      const dir = c.hub.ctx.config.blobs.dir;
      assert.not.ok(existsSync(path.join(dir, `${s.blob_id}.blob`)), 'nothing stored from the bad uploads');
      const ok = await put(c, s, bytes);
      assert.is(ok.status, 200);
      assert.equal(await ok.json(), { blob_id: s.blob_id, bytes: bytes.length, sha256: sha(bytes) });
      assert.is((await put(c, s, bytes)).status, 409, 'once');
    });
  }

  test('the reaper purges expired results with their blobs', async (c) => {
    const bytes = Buffer.from('x,y\n9,10\n');
    const { task, slot: s } = await exported(c, bytes);
    const blobs = c.hub.ctx.blobs!;
    const row = await c.hub.db.selectFrom('blobs').selectAll().where('id', '=', s.blob_id).executeTakeFirstOrThrow();
    const t = await c.hub.db.selectFrom('tasks').selectAll().where('id', '=', task.task_id).executeTakeFirstOrThrow();
    assert.is(row.expires_at, t.result_expires_at, 'the blob lives as long as its result');
    assert.is(await blobs.backend.size(row.object_key), bytes.length);
    const early = await reapOnce(c.hub.ctx, Date.now());
    assert.is(early.purgedBlobs, 0, 'not before its time');

    const stats = await reapOnce(c.hub.ctx, t.result_expires_at! + 1);
    assert.ok(stats.purgedBlobs >= 1);
    assert.is(await blobs.backend.size(row.object_key), null, 'the object is gone');
    if (backend === 'local') assert.not.ok(existsSync(path.join(c.hub.ctx.config.blobs.dir, row.object_key)));
    assert.is(
      await c.hub.db.selectFrom('blobs').select('id').where('id', '=', s.blob_id).executeTakeFirst(),
      undefined,
    );
    const after = await call(c.hub.url, 'GET', `/api/v1/result/${task.task_id}`, { token: c.admin });
    assert.is(after.body.result, undefined, 'the result is purged too');
    const gone = await fetch(c.hub.url + downloadPath(task.task_id), {
      headers: { authorization: `Bearer ${c.admin}` },
      redirect: 'manual',
    });
    assert.is(gone.status, 404);
  });

  test.run();
}

blobSuite('local', 'sqlite');
blobSuite('s3', 'sqlite');
blobSuite('local', 'postgres');
