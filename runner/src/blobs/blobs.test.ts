// Large results and uploads on the runner's side: the inline part that fits, the full result as Parquet written by
// DuckDB (checked against the CSV read independently), the streamed PUT, and op 400's checks before anything is uploaded.
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { ExportParams, FetchParams, FilterParams, type RowsResult } from '@simpul/protocol';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Engine } from '../engine/engine.ts';
import { datasetConfig, openEngine, readWeather, SEATTLE_CSV, tempDir } from '../engine/test-data.ts';
import { HubError, TaskFailure } from '../errors.ts';
import { exportData } from '../ops/export.ts';
import { readFile, withCtx } from './blob-fixtures.ts';
import { fitRows, jsonBytes } from './large-result.ts';
import { putFile } from './put-file.ts';
import { writeRowsFile } from './rows-file.ts';
import type { TaskBlobs } from './task-blobs.ts';

const weather = readWeather();
const dir = tempDir();
let engine: Engine;

test.before(async () => {
  engine = await openEngine([
    datasetConfig('weather', SEATTLE_CSV),
    datasetConfig('capped', SEATTLE_CSV, { policy: { max_rows: 7 } }),
  ]);
});
test.after(() => {
  engine?.close();
  dir.remove();
});

test('fitRows keeps the leading rows that fit the inline limit, with the link', () => {
  const r: RowsResult = {
    columns: [{ name: 'x', type: 'VARCHAR', kind: 'string' }],
    rows: weather.map((w) => [w.date + w.weather]),
    total_rows: weather.length,
    offset: 0,
  };
  const blob = { url: 'blob:blb_x', bytes: 10, sha256: 'a'.repeat(64), format: 'parquet', rows: weather.length };
  const max = 4096;
  const fitted = fitRows(r, blob, max);
  assert.ok(jsonBytes(fitted) <= max, `${jsonBytes(fitted)} ≤ ${max}`);
  assert.ok(fitted.rows.length > 50, 'as many rows as fit');
  assert.equal(fitted.rows, r.rows.slice(0, fitted.rows.length), 'the first rows, in order');
  assert.ok(
    jsonBytes({ ...fitted, rows: r.rows.slice(0, fitted.rows.length + 1) }) > max - 260,
    'one more row would not fit (within the safety margin)',
  );
  assert.equal(fitted.blob, blob);
});

test('op 200: the page asked for as Parquet, in the asked order and columns (a blob is no way round limit and offset)', async () => {
  const p = FilterParams.parse({
    dataset: 'weather',
    where: { column: 'weather', op: '=', value: 'rain' },
    columns: ['date', 'precipitation'],
    order_by: [{ column: 'precipitation', direction: 'desc' }, { column: 'date' }],
    limit: 5,
    offset: 3,
  });
  const file = join(dir.path, 'rain.parquet');
  const n = await withCtx(engine, 200, p, (ctx) => writeRowsFile(ctx, file));
  const rain = weather
    .filter((w) => w.weather === 'rain')
    .sort((a, b) => b.precipitation - a.precipitation || a.date.localeCompare(b.date));
  assert.is(n, 5);
  const rows = await readFile(file);
  assert.is(rows.length, 5);
  assert.equal(
    rows.map((r) => Number(r[1])),
    rain.slice(3, 8).map((w) => w.precipitation),
  );
  assert.is(rows[0].length, 2);
});

test("the data owner's max_rows caps the file; op 100's file is the page asked for", async () => {
  const file = join(dir.path, 'capped.parquet');
  const n = await withCtx(
    engine,
    200,
    FilterParams.parse({ dataset: 'capped', where: { column: 'temp_max', op: '>', value: 0 } }),
    (ctx) => writeRowsFile(ctx, file),
  );
  assert.is(n, 7);
  const page = join(dir.path, 'page.parquet');
  const m = await withCtx(
    engine,
    100,
    FetchParams.parse({ dataset: 'weather', columns: ['date'], limit: 10, offset: 20, order_by: [{ column: 'date' }] }),
    (ctx) => writeRowsFile(ctx, page),
  );
  assert.is(m, 10);
  const dates = (await readFile(page)).map((r) => (r[0] as Date).toISOString().slice(0, 10));
  assert.equal(
    dates,
    weather
      .map((w) => w.date)
      .sort()
      .slice(20, 30),
  );
});

test('putFile streams the file with its length and headers; error bodies become HubErrors', async () => {
  const bytes = Buffer.alloc(3 * 1024 * 1024, 7);
  const file = join(dir.path, 'upload.bin');
  writeFileSync(file, bytes);
  let seen: { headers: IncomingMessage['headers']; sha: string; length: number } | undefined;
  let status = 200;
  const server = createServer((req, res) => {
    const hash = createHash('sha256');
    let length = 0;
    req.on('data', (c: Buffer) => {
      length += c.length;
      hash.update(c);
    });
    req.on('end', () => {
      seen = { headers: req.headers, sha: hash.digest('hex'), length };
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(
        status === 200
          ? '{}'
          : JSON.stringify({ error: { code: 'forbidden', message: 'the link signature is not valid' } }),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/blobs/blb_1?exp=1&sig=x`);
  try {
    const sent: number[] = [];
    await putFile(url, file, {
      headers: { 'content-type': 'application/octet-stream' },
      bytes: bytes.length,
      signal: new AbortController().signal,
      onBytes: (n) => sent.push(n),
    });
    assert.is(seen!.length, bytes.length);
    assert.is(seen!.headers['content-length'], String(bytes.length));
    assert.is(seen!.headers['transfer-encoding'], undefined, 'not chunked');
    assert.is(seen!.headers['content-type'], 'application/octet-stream');
    assert.is(seen!.sha, createHash('sha256').update(bytes).digest('hex'));
    assert.ok(sent.length > 1 && sent.at(-1) === bytes.length, 'progress as the file is read');
    status = 403;
    try {
      await putFile(url, file, { headers: {}, bytes: bytes.length, signal: new AbortController().signal });
      assert.unreachable('a 403 rejects');
    } catch (e) {
      assert.instance(e, HubError);
      assert.equal([(e as HubError).status, (e as HubError).code], [403, 'forbidden']);
    }
  } finally {
    await new Promise((r) => server.close(r));
  }
});

test('op 400 needs the blob store, and refuses raw rows beyond max_rows before writing anything', async () => {
  try {
    await withCtx(engine, 400, ExportParams.parse({ dataset: 'weather', format: 'csv' }), exportData);
    assert.unreachable('no blob store');
  } catch (e) {
    assert.instance(e, TaskFailure);
    assert.is((e as TaskFailure).code, 'op_failed');
  }
  let uploads = 0;
  const blobs: TaskBlobs = {
    inlineMax: 1 << 20,
    upload: async () => {
      uploads++;
      throw new Error('nothing is uploaded when the policy refuses');
    },
  };
  try {
    await withCtx(engine, 400, ExportParams.parse({ dataset: 'capped', format: 'parquet' }), exportData, blobs);
    assert.unreachable('over max_rows');
  } catch (e) {
    assert.instance(e, TaskFailure);
    assert.is((e as TaskFailure).code, 'policy_denied');
    assert.match((e as TaskFailure).message, /lets 7 raw rows leave this runner now \(per task: 7/);
  }
  assert.is(uploads, 0);
});

test.run();
