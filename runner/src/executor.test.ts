// The executor with a real engine. The hub's side is a recording Reporter here (the real hub is exercised by the end-to-end tests).
import type { OpCode, ProgressReply, ResultPost, ResultReply, TaskOffer, TaskProgress } from '@simpul/protocol';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Engine } from './engine/engine.ts';
import { datasetConfig, openEngine, SEATTLE_CSV } from './engine/test-data.ts';
import { HubError, NetworkError } from './errors.ts';
import { Executor, type Reporter } from './executor.ts';
import { silentLogger } from './log.ts';
import { handlers as realHandlers, type Handler } from './ops/index.ts';

class RecordingHub implements Reporter {
  progressSeen: TaskProgress[] = [];
  results: ResultPost[] = [];
  resultCalls = 0;
  failNextResults = 0; // network failures before the hub "answers"
  stale = new Set<string>();
  tooLarge = new Set<string>();
  cancelOnProgress = new Set<string>();

  async progress(msg: TaskProgress): Promise<ProgressReply> {
    this.progressSeen.push(msg);
    return { ok: true, canceled: this.cancelOnProgress.has(msg.task_id), lease_expires_at: new Date().toISOString() };
  }

  async result(msg: ResultPost): Promise<ResultReply> {
    this.resultCalls++;
    if (this.failNextResults > 0) {
      this.failNextResults--;
      throw new NetworkError('connection refused');
    }
    if (this.stale.has(msg.task_id)) throw new HubError(409, 'stale_lease', 'not your lease any more');
    if (this.tooLarge.has(msg.task_id) && msg.status === 'succeeded')
      throw new HubError(413, 'payload_too_large', 'the body is larger than 1000 bytes');
    this.results.push(msg);
    return { ok: true, stored: true };
  }

  resultOf(id: string): ResultPost | undefined {
    return this.results.find((r) => r.task_id === id);
  }
}

// A query that runs for minutes unless interrupted; it keeps DuckDB's threads busy, not the event loop.
const HEAVY = 'SELECT sum(hash(i)) FROM range(100000000000) t(i)';
const heavy: Handler<200> = async (ctx) => {
  ctx.progress(10, 'crunching');
  const r = await ctx.db.query(HEAVY);
  return { kind: 'rows', op: 200, result: { columns: r.columns, rows: r.rows, total_rows: r.rows.length, offset: 0 } };
};
const HEAVY_PARAMS = { dataset: 'weather', where: { and: [] } };
const handlers = { ...realHandlers, 200: heavy } as { [C in OpCode]: Handler<C> };

let engine: Engine;
let n = 0;
test.before(async () => {
  engine = await openEngine([
    datasetConfig('weather', SEATTLE_CSV),
    datasetConfig('locked', SEATTLE_CSV, { policy: { allow_ops: [200] } }),
  ]);
});
test.after(() => engine?.close());

function offer(op: OpCode, params: Record<string, unknown>, extra: Partial<TaskOffer> = {}): TaskOffer {
  n++;
  return {
    task_id: `t${n}`,
    op,
    params,
    attempt: 1,
    lease_token: `lease${n}`,
    lease_expires_at: new Date().toISOString(),
    timeout_s: 600,
    ...extra,
  };
}

function setup(concurrency = 2) {
  const hub = new RecordingHub();
  const ex = new Executor({ concurrency, engine, reporter: hub, log: silentLogger, handlers });
  return { hub, ex };
}

async function until(what: string, cond: () => boolean, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('a task runs and its result is posted with the lease token; no report says 100 (the result does)', async () => {
  const { hub, ex } = setup();
  const o = offer(100, { dataset: 'weather', limit: 2 });
  assert.ok(ex.accept(o));
  assert.equal(ex.leases(), [{ task_id: o.task_id, lease_token: o.lease_token }]);
  await ex.idle();
  const r = hub.resultOf(o.task_id)!;
  assert.is(r.status, 'succeeded');
  assert.is(r.lease_token, o.lease_token);
  assert.is((r.result as { rows: unknown[] }).rows.length, 2);
  // A task this small usually sends no report at all (they wait out the quiet start); a slow machine may see one.
  const pct = hub.progressSeen.filter((p) => p.task_id === o.task_id).map((p) => p.percent);
  assert.not.ok(pct.includes(100), `a success is not reported as 100 % before its result: ${pct}`);
  assert.equal(ex.leases(), []);
});

test('bad params fail with invalid_params; a forbidden op with policy_denied; a missing dataset with dataset_not_found', async () => {
  const { hub, ex } = setup();
  const bad = offer(100, { dataset: 'weather', limit: -1 });
  const denied = offer(100, { dataset: 'locked' });
  const missing = offer(100, { dataset: 'nowhere' });
  ex.accept(bad);
  ex.accept(denied);
  await ex.idle();
  ex.accept(missing);
  await ex.idle();
  assert.equal(
    [hub.resultOf(bad.task_id)?.status, hub.resultOf(bad.task_id)?.error?.code],
    ['failed', 'invalid_params'],
  );
  assert.match(hub.resultOf(bad.task_id)!.error!.message, /limit/);
  assert.equal(hub.resultOf(denied.task_id)?.error?.code, 'policy_denied');
  assert.equal(hub.resultOf(missing.task_id)?.error?.code, 'dataset_not_found');
});

test('cancel interrupts the running DuckDB query and reports canceled; the event loop stayed free meanwhile', async () => {
  const { hub, ex } = setup();
  const o = offer(200, HEAVY_PARAMS);
  ex.accept(o);
  let ticks = 0;
  const timer = setInterval(() => ticks++, 10);
  try {
    await until('the heavy query to start', () =>
      hub.progressSeen.some((p) => p.task_id === o.task_id && p.percent === 10),
    );
    await until('timers to fire while the query runs', () => ticks >= 10);
    assert.is(ex.active(), 1, 'still running while timers fired');
  } finally {
    clearInterval(timer);
  }
  ex.cancel(o.task_id, 'the analyst changed their mind');
  await ex.idle();
  const r = hub.resultOf(o.task_id)!;
  assert.is(r.status, 'canceled');
  assert.is(r.error?.message, 'the analyst changed their mind');
});

test('timeout_s aborts the query and reports failed with code timeout', async () => {
  const { hub, ex } = setup();
  const o = offer(200, HEAVY_PARAMS, { timeout_s: 1 });
  ex.accept(o);
  await ex.idle();
  assert.equal([hub.resultOf(o.task_id)?.status, hub.resultOf(o.task_id)?.error?.code], ['failed', 'timeout']);
});

test('a progress reply with canceled: true cancels; a ping reply cancel or drop is obeyed', async () => {
  const { hub, ex } = setup(3);
  const a = offer(200, HEAVY_PARAMS);
  const b = offer(200, HEAVY_PARAMS);
  const c = offer(200, HEAVY_PARAMS);
  hub.cancelOnProgress.add(a.task_id);
  ex.accept(a);
  ex.accept(b);
  ex.accept(c);
  await until(
    'b and c to run',
    () => hub.progressSeen.filter((p) => p.percent === 10 && [b.task_id, c.task_id].includes(p.task_id)).length === 2,
  );
  ex.apply({ cancel: [b.task_id], drop: [c.task_id] });
  await ex.idle();
  assert.is(hub.resultOf(a.task_id)?.status, 'canceled');
  assert.is(hub.resultOf(b.task_id)?.status, 'canceled');
  assert.is(hub.resultOf(c.task_id), undefined, 'a dropped task is abandoned silently');
});

test('slots: push offers are refused when full, claimed tasks wait for a slot', async () => {
  const { hub, ex } = setup(1);
  const a = offer(200, HEAVY_PARAMS);
  const b = offer(100, { dataset: 'weather', limit: 1 });
  assert.ok(ex.accept(a));
  assert.is(ex.free(), 0);
  assert.not.ok(ex.accept(b), 'a push offer beyond the slots is refused');
  assert.ok(ex.accept(b, true), 'a claimed task is taken and queued');
  assert.is(ex.leases().length, 2, 'its lease is renewed by heartbeats while it waits');
  await new Promise((r) => setTimeout(r, 200));
  assert.is(hub.resultOf(b.task_id), undefined, 'it has not run: the only slot is busy');
  let freed = 0;
  ex.onSlotFree = () => freed++;
  ex.cancel(a.task_id);
  await ex.idle();
  await new Promise((r) => setImmediate(r)); // a slot is freed a turn after its task's result went out
  assert.is(hub.resultOf(b.task_id)?.status, 'succeeded');
  assert.ok(freed >= 1, 'the link is told when a slot frees up');
});

test('results are retried on network errors until the hub answers; a stale lease drops the work', async () => {
  const { hub, ex } = setup();
  hub.failNextResults = 2;
  const o = offer(100, { dataset: 'weather', limit: 1 });
  ex.accept(o);
  await ex.idle();
  assert.is(hub.resultCalls, 3);
  assert.is(hub.results.length, 1);
  const s = offer(100, { dataset: 'weather', limit: 1 });
  hub.stale.add(s.task_id);
  ex.accept(s);
  await ex.idle();
  assert.is(hub.resultCalls, 4, 'a 409 stale_lease is not retried');
  assert.is(hub.resultOf(s.task_id), undefined);
  assert.equal(ex.leases(), []);
});

test('a result the hub refuses as too large becomes a failed task that says why', async () => {
  const { hub, ex } = setup();
  const o = offer(100, { dataset: 'weather', limit: 500 });
  hub.tooLarge.add(o.task_id);
  ex.accept(o);
  await ex.idle();
  const r = hub.resultOf(o.task_id)!;
  assert.equal([r.status, r.error?.code], ['failed', 'op_failed']);
  assert.match(r.error!.message, /too large to send inline .*ask for fewer rows/);
});

test('leased to us again under a new token: the work carries on once and reports under the new token', async () => {
  const hub = new RecordingHub();
  let calls = 0;
  let open!: () => void;
  const gate = new Promise<void>((r) => (open = r));
  const gated: Handler<100> = async (ctx) => {
    calls++;
    await gate;
    return realHandlers[100](ctx);
  };
  const ex = new Executor({
    concurrency: 1,
    engine,
    reporter: hub,
    log: silentLogger,
    handlers: { ...handlers, 100: gated } as typeof handlers,
  });
  const first = offer(100, { dataset: 'weather', limit: 1 });
  ex.accept(first);
  await until('the handler to start', () => calls === 1);
  const again = { ...first, attempt: 2, lease_token: 'renewed' };
  assert.ok(ex.accept(again));
  assert.equal(ex.leases(), [{ task_id: first.task_id, lease_token: 'renewed' }]);
  // A heartbeat reply about the old lease does not drop the renewed one.
  ex.apply({ cancel: [], drop: [first.task_id] }, [{ task_id: first.task_id, lease_token: first.lease_token }]);
  open();
  await ex.idle();
  assert.is(calls, 1, 'not started over');
  assert.is(hub.results.length, 1);
  assert.equal([hub.results[0].status, hub.results[0].lease_token], ['succeeded', 'renewed']);
});

test('drain: a quick task finishes and reports; a task still running at the deadline is abandoned without a result', async () => {
  const { hub, ex } = setup();
  const quick = offer(100, { dataset: 'weather', limit: 1 });
  const slow = offer(200, HEAVY_PARAMS);
  ex.accept(quick);
  ex.accept(slow);
  const out = await ex.drain(1500);
  assert.equal(out, { finished: 1, abandoned: 1 });
  assert.is(hub.resultOf(quick.task_id)?.status, 'succeeded');
  assert.is(hub.resultOf(slow.task_id), undefined);
  assert.not.ok(ex.accept(offer(100, { dataset: 'weather' }), true), 'a draining executor takes nothing');
});

test.run();
