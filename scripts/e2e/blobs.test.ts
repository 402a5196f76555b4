// Exports and large results through the hub's own blob store, end to end with a real hub and a real runner process:
// every export format downloaded through the signed link (bytes and SHA-256 as the result says, content checked against
// the CSV read independently), large op 200 and op 300 results, link expiry, who may download, and the purge after the TTL.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { downloadPath } from '@simpul/protocol';
import { readCsv, VEGA } from '../lib/data.ts';
import { download, downloadLink, localBlobFiles, readWithDuckDb, sha256 } from '../lib/downloads.ts';
import { HubProc } from '../lib/hub.ts';
import { sleep, waitFor } from '../lib/procs.ts';
import { RunnerProc } from '../lib/runner.ts';

const WEATHER = join(VEGA, 'seattle-weather.csv');
const weather = readCsv(WEATHER);
const sunny = weather.filter((w) => w.weather === 'sun');
const INLINE_MAX = 16_384;
const LINK_TTL_S = 4;
const RESULT_TTL_S = 20;

const test = suite('blob store end to end (local store)');
let hub: HubProc;
let runner: RunnerProc;

test.before(async () => {
  hub = await HubProc.start({
    env: {
      SIMPUL_INLINE_RESULT_MAX: String(INLINE_MAX),
      SIMPUL_BLOB_DOWNLOAD_TTL_S: String(LINK_TTL_S),
      SIMPUL_RESULT_TTL: `${RESULT_TTL_S}s`,
    },
  });
  runner = await RunnerProc.start(hub, {
    name: 'blob-runner',
    datasets: [{ name: 'weather', path: WEATHER }],
    config: { duckdb: { memory_limit: '512MB' } },
  });
});
test.after(async () => {
  await runner?.stop();
  await hub?.stop();
});

async function run(body: unknown) {
  const c = await hub.api.post('/api/v1/tasks', body);
  assert.is(c.status, 201, JSON.stringify(c.body));
  const task = await hub.api.waitTask(c.body.task_id);
  assert.is(task.status, 'succeeded', JSON.stringify(task.error));
  const r = await hub.api.get(`/api/v1/result/${task.task_id}`);
  return { task, result: r.body.result };
}

const sunFilter = { column: 'weather', op: '=', value: 'sun' };

test('op 400: csv, parquet, json, xlsx and pdf exports download whole, as the result describes them', async () => {
  for (const format of ['csv', 'parquet', 'json', 'xlsx', 'pdf'] as const) {
    const { task, result } = await run({
      op: 400,
      params: { dataset: 'weather', format, where: sunFilter, columns: ['date', 'temp_max', 'weather'] },
    });
    assert.is(result.format, format);
    assert.is(result.filename, `weather.${format}`);
    assert.is(result.url, downloadPath(task.task_id), 'the result links to the hub, never to the file itself');
    assert.is(result.rows, sunny.length, `${format}: rows`);
    const { bytes, headers } = await download(hub.url, task.task_id, hub.api.token!);
    assert.is(bytes.length, result.bytes, `${format}: bytes`);
    assert.is(sha256(bytes), result.sha256, `${format}: sha256`);
    assert.match(headers.get('content-disposition') ?? '', `weather.${format}`);
    if (format === 'csv') {
      const rows = await readWithDuckDb(bytes, 'csv');
      assert.equal(Object.keys(rows[0]), ['date', 'temp_max', 'weather']);
      assert.equal(
        rows.map((r) => Number(r.temp_max)),
        sunny.map((w) => Number(w.temp_max)),
      );
    }
    if (format === 'parquet') {
      const rows = await readWithDuckDb(bytes, 'parquet');
      assert.is(rows.length, sunny.length);
      assert.ok(rows.every((r) => r.weather === 'sun'));
    }
    if (format === 'json') {
      const rows = JSON.parse(bytes.toString('utf8'));
      assert.is(rows.length, sunny.length);
      assert.is(rows[0].date.slice(0, 10), sunny[0].date);
    }
    if (format === 'xlsx') assert.equal([...bytes.subarray(0, 4)], [0x50, 0x4b, 0x03, 0x04], 'a zip container');
    if (format === 'pdf') assert.is(bytes.subarray(0, 5).toString('latin1'), '%PDF-');
  }
});

test('op 400 of an analysis: a csv of every part, the Groups block a table of its own', async () => {
  const { task, result } = await run({
    op: 400,
    params: { dataset: 'weather', format: 'csv', analysis: { analysis: 'group_by', group_by: ['weather'] } },
  });
  const kinds = new Set(weather.map((w) => w.weather));
  assert.is(result.rows, kinds.size);
  const text = (await download(hub.url, task.task_id, hub.api.token!)).bytes.toString('utf8');
  const blocks = text.split('\r\n\r\n');
  assert.equal(
    blocks.map((b) => b.split('\r\n')[0]),
    ['# Summary', '# Groups', '# Metrics'],
  );
  const groups = blocks[1].trim().split('\r\n').slice(1).join('\n');
  const rows = await readWithDuckDb(Buffer.from(groups), 'csv');
  const counts = Object.fromEntries(rows.map((r) => [String(r.weather), Number(r.Count)]));
  for (const k of kinds) assert.is(counts[k], weather.filter((w) => w.weather === k).length, k);
});

test('op 200 over the inline limit: the first rows inline, the whole matched result as Parquet in the blob store', async () => {
  const where = { column: 'temp_max', op: '>', value: 5 };
  const matched = weather.filter((w) => Number(w.temp_max) > 5);
  const { task, result } = await run({
    op: 200,
    params: { dataset: 'weather', where, order_by: [{ column: 'date', direction: 'desc' }], limit: 100_000 },
  });
  assert.is(result.matched_rows, matched.length);
  assert.ok(result.blob, 'the result links to the full result');
  assert.is(result.blob.url, downloadPath(task.task_id));
  assert.is(result.blob.format, 'parquet');
  assert.is(result.blob.rows, matched.length);
  assert.ok(result.rows.length > 0 && result.rows.length < matched.length, `inline rows: ${result.rows.length}`);
  assert.ok(Buffer.byteLength(JSON.stringify(result)) <= INLINE_MAX, 'what is stored inline fits the limit');
  const newestFirst = [...matched].sort((a, b) => b.date.localeCompare(a.date));
  assert.equal(
    result.rows.map((r: any[]) => r[0]),
    newestFirst.slice(0, result.rows.length).map((w) => w.date),
  );

  const { bytes } = await download(hub.url, task.task_id, hub.api.token!);
  assert.is(sha256(bytes), result.blob.sha256);
  const rows = await readWithDuckDb(bytes, 'parquet');
  assert.is(rows.length, matched.length);
  assert.equal(
    rows.slice(0, 50).map((r) => (r.date as Date).toISOString().slice(0, 10)),
    newestFirst.slice(0, 50).map((w) => w.date),
  );
});

test('op 300 over the inline limit: a stub inline, the whole analysis as JSON in the blob store', async () => {
  const { task, result } = await run({
    op: 300,
    params: { dataset: 'weather', analysis: 'group_by', group_by: ['date'], limit: 10_000 },
  });
  assert.equal([result.analysis, result.rows_used], ['group_by', weather.length]);
  assert.is(result.groups, undefined, 'only the stub is inline');
  assert.is(result.blob.format, 'json');
  const { bytes } = await download(hub.url, task.task_id, hub.api.token!);
  const full = JSON.parse(bytes.toString('utf8'));
  assert.is(full.analysis, 'group_by');
  assert.is(full.groups.length, weather.length, 'one group per date');
});

test('a download link expires; a forged one is refused; only the owner (or an admin) gets one', async () => {
  const { task } = await run({ op: 400, params: { dataset: 'weather', format: 'csv', where: sunFilter } });
  const link = await downloadLink(hub.url, task.task_id, hub.api.token!);
  assert.is(link.status, 302);
  const exp = Number(link.location!.searchParams.get('exp'));
  assert.ok(exp * 1000 <= Date.now() + LINK_TTL_S * 1000 + 1000, 'short-lived');
  assert.is((await fetch(link.location!)).status, 200);

  const forged = new URL(link.location!);
  forged.searchParams.set(
    'sig',
    forged.searchParams.get('sig')!.replace(/^./, (ch) => (ch === 'A' ? 'B' : 'A')),
  );
  assert.is((await fetch(forged)).status, 403, 'tampered signature');
  const longer = new URL(link.location!);
  longer.searchParams.set('exp', String(exp + 3600));
  assert.is((await fetch(longer)).status, 403, 'a link cannot be stretched');

  await waitFor(() => Date.now() > exp * 1000 + 1000, 'the link to expire', 30_000, 200);
  const late = await fetch(link.location!);
  assert.is(late.status, 403);
  assert.match(((await late.json()) as any).error.message, /expired/);

  const made = await hub.api.post('/api/v1/users', {
    username: 'carol',
    password: 'carol-password-1',
    role: 'analyst',
  });
  assert.is(made.status, 201, JSON.stringify(made.body));
  const carol = await hub.api.post(
    '/api/v1/auth/login',
    { username: 'carol', password: 'carol-password-1' },
    { token: null },
  );
  assert.is(
    (await downloadLink(hub.url, task.task_id, carol.body.token)).status,
    404,
    "another analyst's task does not exist for her",
  );
  assert.is((await downloadLink(hub.url, task.task_id)).status, 401, 'no credentials');
  assert.is((await downloadLink(hub.url, task.task_id, 'sms_not-a-real-session')).status, 401, 'wrong token');
});

test('results expire after SIMPUL_RESULT_TTL and are purged with their files', async () => {
  const { task } = await run({ op: 400, params: { dataset: 'weather', format: 'parquet' } });
  const before = localBlobFiles(hub.dataDir);
  assert.ok(before.length >= 1, 'files in the local store');
  assert.is((await downloadLink(hub.url, task.task_id, hub.api.token!)).status, 302);
  // The reaper purges once a minute and right after start: wait out the TTL, then restart the hub to purge now.
  const finished = Date.parse(task.finished_at);
  await sleep(Math.max(0, finished + RESULT_TTL_S * 1000 + 1000 - Date.now()));
  await hub.stop();
  await hub.launch();
  await waitFor(() => localBlobFiles(hub.dataDir).length === 0, 'expired files to be purged', 30_000, 200);
  const view = await hub.api.get(`/api/v1/result/${task.task_id}`);
  assert.is(view.body.result, undefined);
  assert.is((await downloadLink(hub.url, task.task_id, hub.api.token!)).status, 404);
});

test.run();
