// The executor with a real engine: running tasks, slots, result delivery, leases and the drain. Cancels and timeouts
// are in executor-cancel.test.ts; the fixtures (a recording hub, a long-running handler) in executor-fixtures.ts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Executor } from './executor.ts';
import {
  HEAVY_PARAMS,
  RecordingHub,
  handlers,
  offer,
  setup,
  testEngine,
  until,
  useEngine,
} from './executor-fixtures.ts';
import { silentLogger } from './log.ts';
import { handlers as realHandlers, type Handler } from './ops/index.ts';

useEngine(test);

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
    engine: testEngine(),
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
