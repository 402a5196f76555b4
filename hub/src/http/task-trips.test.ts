// Tasks over HTTP end to end: claim, progress, result, waits, fencing between runners, cancel, size limits.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CancelReply, ResultView, TaskView } from '@simpul/protocol';
import { rowsResult, startTestHub, waitFor, type TestHub } from '../testing/support.ts';
import { call, login, register } from '../testing/http.ts';

const test = suite<{ hub: TestHub; token: string }>('http task trips', {} as { hub: TestHub; token: string });
test.before(async (c) => {
  c.hub = await startTestHub();
  c.token = (await login(c.hub.url, 'admin', 'admin-password')).token;
});
test.after(async (c) => {
  await c.hub.cleanup();
});

test('the whole trip over HTTP: claim, progress, result; then result view, attempts and runner status', async ({
  hub,
  token,
}) => {
  const runner = await register(hub.url, 'test-enrollment-key', 'trip', ['trip-data']);
  const created = await call(hub.url, 'POST', '/api/v1/tasks', {
    token,
    body: { op: 100, params: { dataset: 'trip-data' } },
  });
  const claimed = await call(hub.url, 'GET', `/api/v1/tasks?runner_id=${runner.runner_id}&wait=0&limit=5`, {
    token: runner.token,
  });
  assert.is(claimed.status, 200);
  const [offer] = claimed.body.tasks;
  assert.is(offer.task_id, created.body.task_id);

  const busy = await call(hub.url, 'GET', `/api/v1/runners/${runner.runner_id}`, { token });
  assert.is(busy.body.status, 'busy');
  assert.is(busy.body.active_tasks, 1);
  assert.is(busy.body.online, true);
  assert.is(busy.body.transport, 'polling');

  const p = await call(hub.url, 'POST', '/api/v1/progress', {
    token: runner.token,
    body: { task_id: offer.task_id, lease_token: offer.lease_token, percent: 50 },
  });
  assert.is(p.status, 200);
  assert.is(p.body.canceled, false);
  const running = ResultView.parse((await call(hub.url, 'GET', `/api/v1/result/${offer.task_id}`, { token })).body);
  assert.is(running.status, 'running');
  assert.is(running.progress, 50);

  const post = { task_id: offer.task_id, lease_token: offer.lease_token, status: 'succeeded', result: rowsResult(3) };
  assert.equal((await call(hub.url, 'POST', '/api/v1/result', { token: runner.token, body: post })).body, {
    ok: true,
    stored: true,
  });
  const again = await call(hub.url, 'POST', '/api/v1/result', { token: runner.token, body: post });
  assert.is(again.status, 200);
  assert.equal(again.body, { ok: true, stored: false });
  const other = await call(hub.url, 'POST', '/api/v1/result', {
    token: runner.token,
    body: { ...post, result: rowsResult(4) },
  });
  assert.is(other.status, 409);
  assert.is(other.body.error.code, 'conflict');
  const stale = await call(hub.url, 'POST', '/api/v1/progress', {
    token: runner.token,
    body: { task_id: offer.task_id, lease_token: 'lease_old', percent: 1 },
  });
  assert.is(stale.status, 409);
  assert.is(stale.body.error.code, 'stale_lease');

  const view = ResultView.parse((await call(hub.url, 'GET', `/api/v1/result/${offer.task_id}`, { token })).body);
  assert.is(view.status, 'succeeded');
  assert.equal(view.result, rowsResult(3));
  const task = TaskView.parse((await call(hub.url, 'GET', `/api/v1/tasks/${offer.task_id}`, { token })).body);
  assert.is(task.attempts!.length, 1);
  assert.is(task.attempts![0].outcome, 'succeeded');
  assert.is(task.attempts![0].runner_id, runner.runner_id);
  const cancel = await call(hub.url, 'POST', `/api/v1/tasks/${offer.task_id}/cancel`, { token });
  assert.is(cancel.status, 409, 'a finished task cannot be canceled');
  const idle = await call(hub.url, 'GET', `/api/v1/runners/${runner.runner_id}`, { token });
  assert.is(idle.body.status, 'online');
});

test('GET /result?wait= answers when the task ends, or as it is when the wait runs out; bad waits → 400', async ({
  hub,
  token,
}) => {
  const runner = await register(hub.url, 'test-enrollment-key', 'waiter', ['wait-data']);
  const created = await call(hub.url, 'POST', '/api/v1/tasks', {
    token,
    body: { op: 100, params: { dataset: 'wait-data' } },
  });
  const id = created.body.task_id;

  // Nothing happens: the reply comes after the wait, with the task as it is.
  const t0 = Date.now();
  const queued = await call(hub.url, 'GET', `/api/v1/result/${id}?wait=0.3`, { token });
  assert.is(queued.status, 200);
  assert.is(ResultView.parse(queued.body).status, 'queued');
  assert.ok(Date.now() - t0 >= 250, `held for the wait (${Date.now() - t0} ms)`);

  // The task ends while a wait is open: the reply carries the result, long before the wait would run out.
  const claimed = await call(hub.url, 'GET', `/api/v1/tasks?runner_id=${runner.runner_id}&wait=0`, {
    token: runner.token,
  });
  const [offer] = claimed.body.tasks;
  let answeredAt = 0;
  const waiting = call(hub.url, 'GET', `/api/v1/result/${id}?wait=30`, { token }).then(
    (r) => ((answeredAt = Date.now()), r),
  );
  await new Promise((r) => setTimeout(r, 200));
  assert.is(answeredAt, 0, 'still waiting while the task runs');
  const postedAt = Date.now();
  const post = { task_id: id, lease_token: offer.lease_token, status: 'succeeded', result: rowsResult(2) };
  assert.is((await call(hub.url, 'POST', '/api/v1/result', { token: runner.token, body: post })).status, 200);
  const done = await waiting;
  assert.is(done.status, 200);
  const view = ResultView.parse(done.body);
  assert.is(view.status, 'succeeded');
  assert.equal(view.result, rowsResult(2));
  assert.ok(answeredAt - postedAt < 5000, 'answered when the result came, not when the wait ran out');

  // An ended task answers at once; the started time is the claim's when no progress came.
  const t1 = Date.now();
  assert.is((await call(hub.url, 'GET', `/api/v1/result/${id}?wait=30`, { token })).body.status, 'succeeded');
  assert.ok(Date.now() - t1 < 5000);
  const task = TaskView.parse((await call(hub.url, 'GET', `/api/v1/tasks/${id}`, { token })).body);
  assert.ok(
    task.started_at !== null && task.started_at <= task.finished_at!,
    `started ${task.started_at}, finished ${task.finished_at}`,
  );
  assert.is(Date.parse(task.started_at!), Date.parse(task.attempts![0].started_at), 'started when claimed');

  for (const bad of ['-1', '61', 'soon']) {
    const r = await call(hub.url, 'GET', `/api/v1/result/${id}?wait=${bad}`, { token });
    assert.is(r.status, 400, `wait=${bad}`);
  }
});

test('a user holds at most 16 result waits at once → 429 with Retry-After', async ({ hub, token }) => {
  const created = await call(hub.url, 'POST', '/api/v1/tasks', {
    token,
    body: { op: 100, params: { dataset: 'nobody-serves-this' } },
  });
  const path = `/api/v1/result/${created.body.task_id}?wait=3`;
  const open = Array.from({ length: 16 }, () => call(hub.url, 'GET', path, { token }));
  await new Promise((r) => setTimeout(r, 500));
  const extra = await call(hub.url, 'GET', path, { token });
  assert.is(extra.status, 429);
  assert.is(extra.body.error.code, 'rate_limited');
  assert.ok(extra.headers.get('retry-after'));
  assert.ok((await Promise.all(open)).every((r) => r.status === 200 && r.body.status === 'queued'));
  assert.is(
    (await call(hub.url, 'GET', path.replace('wait=3', 'wait=0'), { token })).status,
    200,
    'a plain read is not limited',
  );
});

test('a runner may touch only its own tasks: 403', async ({ hub, token }) => {
  const a = await register(hub.url, 'test-enrollment-key', 'a', ['own']);
  const b = await register(hub.url, 'test-enrollment-key', 'b', ['own']);
  await call(hub.url, 'POST', '/api/v1/tasks', {
    token,
    body: { op: 100, runner_id: a.runner_id, params: { dataset: 'own' } },
  });
  const foreignClaim = await call(hub.url, 'GET', `/api/v1/tasks?runner_id=${a.runner_id}`, { token: b.token });
  assert.is(foreignClaim.status, 403);
  assert.is(foreignClaim.body.error.code, 'forbidden');
  const foreignPing = await call(hub.url, 'POST', '/api/v1/ping', { token: b.token, body: { runner_id: a.runner_id } });
  assert.is(foreignPing.status, 403);
  const [offer] = (await call(hub.url, 'GET', `/api/v1/tasks?runner_id=${a.runner_id}`, { token: a.token })).body.tasks;
  const foreignResult = await call(hub.url, 'POST', '/api/v1/result', {
    token: b.token,
    body: { task_id: offer.task_id, lease_token: offer.lease_token, status: 'succeeded', result: rowsResult() },
  });
  assert.is(foreignResult.status, 403);
  const foreignProgress = await call(hub.url, 'POST', '/api/v1/progress', {
    token: b.token,
    body: { task_id: offer.task_id, lease_token: offer.lease_token, percent: 5 },
  });
  assert.is(foreignProgress.status, 403);
});

test('cancel over HTTP: queued → canceled; leased → listed in the holder’s ping → canceled by its report', async ({
  hub,
  token,
}) => {
  const runner = await register(hub.url, 'test-enrollment-key', 'c', ['cancel-me']);
  const q = await call(hub.url, 'POST', '/api/v1/tasks', {
    token,
    body: { op: 100, params: { dataset: 'nobody-serves' } },
  });
  assert.equal(
    CancelReply.parse((await call(hub.url, 'POST', `/api/v1/tasks/${q.body.task_id}/cancel`, { token })).body),
    { task_id: q.body.task_id, status: 'canceled' },
  );
  const again = await call(hub.url, 'POST', `/api/v1/tasks/${q.body.task_id}/cancel`, { token });
  assert.is(again.status, 409);

  await call(hub.url, 'POST', '/api/v1/tasks', { token, body: { op: 100, params: { dataset: 'cancel-me' } } });
  const [offer] = (await call(hub.url, 'GET', `/api/v1/tasks?runner_id=${runner.runner_id}`, { token: runner.token }))
    .body.tasks;
  const c = await call(hub.url, 'POST', `/api/v1/tasks/${offer.task_id}/cancel`, { token });
  assert.equal(c.body, { task_id: offer.task_id, status: 'leased' });
  const ping = await call(hub.url, 'POST', '/api/v1/ping', {
    token: runner.token,
    body: { runner_id: runner.runner_id, leases: [{ task_id: offer.task_id, lease_token: offer.lease_token }] },
  });
  assert.equal(ping.body.cancel, [offer.task_id]);
  await call(hub.url, 'POST', '/api/v1/result', {
    token: runner.token,
    body: { task_id: offer.task_id, lease_token: offer.lease_token, status: 'canceled' },
  });
  assert.is((await call(hub.url, 'GET', `/api/v1/tasks/${offer.task_id}`, { token })).body.status, 'canceled');
});

test('results over the inline limit → 413 payload_too_large', async ({ hub, token }) => {
  const runner = await register(hub.url, 'test-enrollment-key', 'big', ['big']);
  await call(hub.url, 'POST', '/api/v1/tasks', { token, body: { op: 100, params: { dataset: 'big' } } });
  const [offer] = (await call(hub.url, 'GET', `/api/v1/tasks?runner_id=${runner.runner_id}`, { token: runner.token }))
    .body.tasks;
  const limit = hub.ctx.config.inlineResultMax;
  const justOver = { ...rowsResult(1), rows: [['x'.repeat(limit)]] };
  const r1 = await call(hub.url, 'POST', '/api/v1/result', {
    token: runner.token,
    body: { task_id: offer.task_id, lease_token: offer.lease_token, status: 'succeeded', result: justOver },
  });
  assert.is(r1.status, 413);
  assert.is(r1.body.error.code, 'payload_too_large');
  const huge = { ...rowsResult(1), rows: [['x'.repeat(limit * 2)]] };
  const r2 = await call(hub.url, 'POST', '/api/v1/result', {
    token: runner.token,
    body: { task_id: offer.task_id, lease_token: offer.lease_token, status: 'succeeded', result: huge },
  });
  assert.is(r2.status, 413, 'refused by the body limit before parsing');
  assert.is(r2.body.error.code, 'payload_too_large');
  await waitFor(
    'task still leased',
    async () => (await call(hub.url, 'GET', `/api/v1/tasks/${offer.task_id}`, { token })).body.status === 'leased',
  );
});

test.run();
