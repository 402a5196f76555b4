// The blob store on an S3-protocol server (s3rver, started here on a free port): the runner PUTs to presigned URLs, users
// download from presigned URLs the hub redirects to, links expire, and expired results are purged with their objects.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { downloadPath } from '@simpul/protocol';
import { startS3, type TestS3 } from '../../hub/src/testing/s3.ts';
import { readCsv, VEGA } from '../lib/data.ts';
import { download, downloadLink, localBlobFiles, readWithDuckDb, sha256 } from '../lib/downloads.ts';
import { HubProc } from '../lib/hub.ts';
import { sleep, waitFor } from '../lib/procs.ts';
import { RunnerProc } from '../lib/runner.ts';

const WEATHER = join(VEGA, 'seattle-weather.csv');
const weather = readCsv(WEATHER);
const LINK_TTL_S = 4;
const RESULT_TTL_S = 15;

const test = suite('blob store end to end (S3)');
let s3: TestS3;
let client: S3Client;
let hub: HubProc;
let runner: RunnerProc;

/** Keys under the hub's prefix in the bucket. */
async function objects(): Promise<string[]> {
  const r = await client.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: 'simpul/' }));
  return (r.Contents ?? []).map((o) => o.Key!);
}

test.before(async () => {
  s3 = await startS3();
  client = new S3Client({
    region: 'us-east-1',
    endpoint: s3.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  hub = await HubProc.start({
    env: {
      ...s3.env,
      SIMPUL_INLINE_RESULT_MAX: '16384',
      SIMPUL_BLOB_DOWNLOAD_TTL_S: String(LINK_TTL_S),
      SIMPUL_RESULT_TTL: `${RESULT_TTL_S}s`,
    },
  });
  runner = await RunnerProc.start(hub, { name: 's3-runner', datasets: [{ name: 'weather', path: WEATHER }] });
});
test.after(async () => {
  await runner?.stop();
  await hub?.stop();
  client?.destroy();
  await s3?.close();
});

async function run(body: unknown) {
  const c = await hub.api.post('/api/v1/tasks', body);
  assert.is(c.status, 201, JSON.stringify(c.body));
  const task = await hub.api.waitTask(c.body.task_id);
  assert.is(task.status, 'succeeded', JSON.stringify(task.error));
  return { task, result: (await hub.api.get(`/api/v1/result/${task.task_id}`)).body.result };
}

test('exports go to the bucket and come back from it, bytes and SHA-256 intact', async () => {
  for (const format of ['csv', 'parquet'] as const) {
    const { task, result } = await run({
      op: 400,
      params: { dataset: 'weather', format, where: { column: 'weather', op: 'in', value: ['rain', 'snow'] } },
    });
    const expected = weather.filter((w) => w.weather === 'rain' || w.weather === 'snow');
    assert.is(result.rows, expected.length);
    assert.is(result.url, downloadPath(task.task_id));
    const link = await downloadLink(hub.url, task.task_id, hub.api.token!);
    assert.is(link.status, 302);
    assert.is(link.location!.origin, s3.endpoint, 'the bytes come straight from the bucket, not through the hub');
    const { bytes, headers } = await download(hub.url, task.task_id, hub.api.token!);
    assert.equal([bytes.length, sha256(bytes)], [result.bytes, result.sha256]);
    assert.match(headers.get('content-disposition') ?? '', `weather.${format}`);
    assert.is((await readWithDuckDb(bytes, format)).length, expected.length);
  }
  assert.is(localBlobFiles(hub.dataDir).length, 0, 'nothing in the local store');
  assert.ok((await objects()).some((k) => k.endsWith('/weather.parquet')));
});

test('a large op 200 result goes to the bucket; its link expires', async () => {
  const matched = weather.filter((w) => Number(w.wind) > 1);
  const { task, result } = await run({
    op: 200,
    params: { dataset: 'weather', where: { column: 'wind', op: '>', value: 1 }, limit: 100_000 },
  });
  assert.is(result.matched_rows, matched.length);
  assert.is(result.blob.rows, matched.length);
  assert.ok(result.rows.length < matched.length);
  const link = await downloadLink(hub.url, task.task_id, hub.api.token!);
  const got = await fetch(link.location!);
  assert.is(got.status, 200);
  assert.is(sha256(Buffer.from(await got.arrayBuffer())), result.blob.sha256);
  await sleep(LINK_TTL_S * 1000 + 1500);
  assert.is((await fetch(link.location!)).status, 403, 'expired');
});

test('expired results are purged with their objects', async () => {
  const { task } = await run({ op: 400, params: { dataset: 'weather', format: 'json' } });
  const keys = await objects();
  assert.ok(keys.length >= 1);
  await sleep(Math.max(0, Date.parse(task.finished_at) + RESULT_TTL_S * 1000 + 1000 - Date.now()));
  await hub.stop();
  await hub.launch(); // the reaper purges right after start (then once a minute)
  await waitFor(async () => (await objects()).length === 0, 'the objects to be deleted', 30_000, 200);
  assert.is((await downloadLink(hub.url, task.task_id, hub.api.token!)).status, 404);
});

test.run();
