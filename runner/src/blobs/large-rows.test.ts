// Honest limits: a large op 100/200 result runs handler → release gate → files, and its full result (Parquet and CSV)
// holds exactly the rows the task's limit and the gate let leave; the result says how many are full and inline, and why.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { FetchParams, FilterParams, type RowsResult, type TaskOffer } from '@simpul/protocol';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Outgoing } from '../disclosure/gate.ts';
import { HeldStore } from '../disclosure/held-store.ts';
import { awaitDecision, holdNew } from '../disclosure/hold.ts';
import { joinLink } from '../disclosure/outgoing.ts';
import type { Released } from '../disclosure/released.ts';
import type { Engine } from '../engine/engine.ts';
import { datasetConfig, openEngine, readWeather, SEATTLE_CSV, tempDir } from '../engine/test-data.ts';
import type { OpContext } from '../ops/context.ts';
import { fetchRows } from '../ops/fetch.ts';
import { filterRows } from '../ops/filter.ts';
import { readFile, withCtx } from './blob-fixtures.ts';
import { prepareResult } from './large-result.ts';
import type { TaskBlobs } from './task-blobs.ts';

const weather = readWeather();
const warm = weather.filter((w) => w.temp_max > 10); // the filter below, computed from the CSV itself
let engine: Engine;
const dirs: ReturnType<typeof tempDir>[] = [];

test.before(async () => {
  engine = await openEngine([
    datasetConfig('weather', SEATTLE_CSV),
    datasetConfig('capped', SEATTLE_CSV, { policy: { max_rows: 40 } }),
  ]);
});
test.after(() => {
  engine?.close();
  for (const d of dirs) d.remove();
});

/** A blob store that only states the hub's inline limit: these tests stop before any upload. */
const inlineOnly = (inlineMax: number): TaskBlobs => ({
  inlineMax,
  upload: async () => {
    throw new Error('not uploaded in this test');
  },
});

const ref = (format: string, rows: number) => ({
  url: 'blob:blb_test',
  bytes: 1,
  sha256: 'a'.repeat(64),
  format,
  rows,
});

/** Runs the op, the gate and the file step as the executor does; returns the posted result and the files' rows. */
async function runLarge<C extends 100 | 200>(
  op: C,
  params: OpContext<C>['params'],
  inlineMax: number,
): Promise<{ posted: RowsResult; parquet: unknown[][]; csv: unknown[][] }> {
  const dir = tempDir();
  dirs.push(dir);
  return withCtx(
    engine,
    op,
    params,
    async (ctx) => {
      const unreleased = await (op === 100 ? fetchRows(ctx as OpContext<100>) : filterRows(ctx as OpContext<200>));
      const out = ctx.gate.release(unreleased) as Released<Outgoing>;
      const prepared = await prepareResult(ctx, out, dir.path);
      assert.ok(prepared.file && prepared.csv, 'a Parquet file and its CSV twin');
      const rows = prepared.file.rows ?? -1;
      const posted = joinLink(prepared, ref('parquet', rows), inlineMax, ref('csv', rows)) as unknown as RowsResult;
      return {
        posted,
        parquet: await readFile(prepared.file.path, 'parquet'),
        csv: await readFile(prepared.csv.path, 'csv'),
      };
    },
    inlineOnly(inlineMax),
  );
}

const dateOf = (v: unknown) => (v instanceof Date ? v.toISOString().slice(0, 10) : String(v));

test('op 200: the full result holds exactly `limit` of the matches, as Parquet and as CSV; fewer travel inline', async () => {
  const limit = 300;
  assert.ok(warm.length > limit, `more rows match (${warm.length}) than the limit`);
  const { posted, parquet, csv } = await runLarge(
    200,
    FilterParams.parse({
      dataset: 'weather',
      where: { column: 'temp_max', op: '>', value: 10 },
      columns: ['date', 'temp_max'],
      limit,
    }),
    3000,
  );
  assert.is(parquet.length, limit, 'the Parquet file respects the limit');
  assert.is(csv.length, limit, 'the CSV file respects the limit');
  const expected = warm.slice(0, limit).map((w) => w.date);
  assert.equal(
    parquet.map((r) => dateOf(r[0])),
    expected,
    'the first matches, in order',
  );
  assert.equal(
    csv.map((r) => dateOf(r[0])),
    expected,
    'the CSV holds the same rows',
  );
  assert.is(posted.matched_rows, warm.length);
  const inline = posted.rows.length;
  assert.ok(inline > 0 && inline < limit, `some rows inline (${inline}), not all`);
  assert.equal(
    posted.rows.map((r) => r[0]),
    expected.slice(0, inline),
    'inline rows are the first of the file',
  );
  assert.equal(posted.row_counts, { limit, full: limit, inline, full_cut: 'limit', inline_cut: 'inline_max' });
  assert.is(posted.csv?.format, 'csv');
});

test('op 100: the full result is the page asked for (offset and limit), and says the limit cut it', async () => {
  const { posted, parquet, csv } = await runLarge(
    100,
    FetchParams.parse({ dataset: 'weather', columns: ['date'], limit: 500, offset: 100 }),
    4096,
  );
  const expected = weather.slice(100, 600).map((w) => w.date);
  assert.equal(
    parquet.map((r) => dateOf(r[0])),
    expected,
  );
  assert.equal(
    csv.map((r) => dateOf(r[0])),
    expected,
  );
  assert.is(posted.row_counts?.full, 500);
  assert.is(posted.row_counts?.full_cut, 'limit');
  assert.is(posted.row_counts?.inline, posted.rows.length);
});

test("the gate still cuts the full result to the owner's max_rows, and the result says so", async () => {
  const { posted, parquet, csv } = await runLarge(
    200,
    FilterParams.parse({ dataset: 'capped', where: { column: 'temp_max', op: '>', value: 10 }, limit: 1000 }),
    1024,
  );
  assert.is(parquet.length, 40, 'max_rows, not the limit');
  assert.is(csv.length, 40);
  assert.ok(posted.disclosure?.rules_applied.includes('max_rows'), 'the disclosure note names max_rows');
  assert.is(posted.row_counts?.full, 40);
  assert.is(posted.row_counts?.full_cut, 'max_rows');
  assert.ok(posted.rows.length < 40, 'the inline part is cut by size');
  assert.is(posted.row_counts?.inline_cut, 'inline_max');
});

test('a held result keeps both files until the owner decides, and removing it removes both', async () => {
  const dir = tempDir();
  dirs.push(dir);
  const store = new HeldStore(join(dir.path, 'held'));
  const params = FilterParams.parse({
    dataset: 'weather',
    where: { column: 'temp_max', op: '>', value: 10 },
    limit: 500,
  });
  const prepared = await withCtx(
    engine,
    200,
    params,
    async (ctx) => prepareResult(ctx, ctx.gate.release(await filterRows(ctx)) as Released<Outgoing>, dir.path),
    inlineOnly(2048),
  );
  const offer: TaskOffer = {
    task_id: 'tsk_held',
    op: 200,
    params,
    attempt: 1,
    lease_token: 'lt',
    lease_expires_at: new Date().toISOString(),
    timeout_s: 60,
  };
  const held = holdNew(store, offer, prepared, 60);
  assert.ok(
    held.file && held.csv && existsSync(held.file.path) && existsSync(held.csv.path),
    'both moved into the store',
  );
  store.decide(offer.task_id, { decision: 'approve', at: new Date().toISOString() });
  const ready = await awaitDecision(held, {
    store,
    offer: () => offer,
    ttlS: 0,
    signal: new AbortController().signal,
    report: () => {},
  });
  assert.equal((await readFile(ready.csv!.path, 'csv')).length, 500, 'the CSV ships after approval');
  store.remove(offer.task_id);
  assert.not.ok(existsSync(held.file.path) || existsSync(held.csv.path), 'both removed');
});

test('a page that fits inline is the whole result: no cut, or only the limit', async () => {
  await withCtx(
    engine,
    200,
    FilterParams.parse({ dataset: 'weather', where: { column: 'temp_max', op: '>', value: 35 } }),
    async (ctx) => {
      const r = (await filterRows(ctx)).result;
      const hot = weather.filter((w) => w.temp_max > 35).length;
      assert.ok(hot < 100, 'fewer matches than the default limit');
      assert.equal(r.row_counts, { limit: 100, full: hot, inline: hot });
    },
  );
  await withCtx(engine, 100, FetchParams.parse({ dataset: 'weather', limit: 10 }), async (ctx) => {
    const r = (await fetchRows(ctx)).result;
    assert.equal(r.row_counts, { limit: 10, full: 10, inline: 10, full_cut: 'limit' });
  });
});

test.run();
