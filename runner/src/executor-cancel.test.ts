// The executor with a real engine: cancels (by the hub, by a progress reply, by a ping reply) and timeouts interrupt
// a running DuckDB query. The fixtures are in executor-fixtures.ts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HEAVY_PARAMS, offer, setup, until, useEngine } from './executor-fixtures.ts';

useEngine(test);

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
    // Both have reported (a running query reports again every 250 ms, with the rows it scanned).
    () =>
      new Set(
        hub.progressSeen
          .filter((p) => p.percent === 10 && [b.task_id, c.task_id].includes(p.task_id))
          .map((p) => p.task_id),
      ).size === 2,
  );
  ex.apply({ cancel: [b.task_id], drop: [c.task_id] });
  await ex.idle();
  assert.is(hub.resultOf(a.task_id)?.status, 'canceled');
  assert.is(hub.resultOf(b.task_id)?.status, 'canceled');
  assert.is(hub.resultOf(c.task_id), undefined, 'a dropped task is abandoned silently');
});

test.run();
