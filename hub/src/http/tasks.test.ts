// Creating, reading and listing tasks over HTTP: replies, bad input, unknown ids and the list's filters.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { TaskList, TaskView, TasksCreated } from '@simpul/protocol';
import { startTestHub, type TestHub } from '../testing/support.ts';
import { call, login, register } from '../testing/http.ts';

const test = suite<{ hub: TestHub; token: string }>('http tasks', {} as { hub: TestHub; token: string });
test.before(async (c) => {
  c.hub = await startTestHub();
  c.token = (await login(c.hub.url, 'admin', 'admin-password')).token;
});
test.after(async (c) => {
  await c.hub.cleanup();
});

test('create one → 201 {task_id, status}; a batch → 201 {tasks}', async ({ hub, token }) => {
  const one = await call(hub.url, 'POST', '/api/v1/tasks', {
    token,
    body: { op: 200, params: { dataset: 'cars', where: { column: 'hp', op: '>', value: 100 } } },
  });
  assert.is(one.status, 201);
  assert.is(one.body.status, 'queued');
  const batch = await call(hub.url, 'POST', '/api/v1/tasks', {
    token,
    body: [
      { op: 100, params: { dataset: 'cars' } },
      { op: 100, params: { dataset: 'cars', limit: 5 }, timeout_s: 60, max_attempts: 2 },
    ],
  });
  assert.is(batch.status, 201);
  const created = TasksCreated.parse(batch.body);
  assert.is(created.tasks.length, 2);
  const view = TaskView.parse(
    (await call(hub.url, 'GET', `/api/v1/tasks/${created.tasks[1].task_id}`, { token })).body,
  );
  assert.is(view.timeout_s, 60);
  assert.is(view.max_attempts, 2);
  assert.is(view.target_runner_id, null);
  assert.equal(view.params, { dataset: 'cars', limit: 5, offset: 0 });
  assert.equal(view.attempts, []);
});

test('bad input → 400 bad_request naming the problem and its place; never a 500', async ({ hub, token }) => {
  const notJson = await call(hub.url, 'POST', '/api/v1/tasks', { token, raw: '{"op": 100,' });
  assert.is(notJson.status, 400);
  assert.is(notJson.body.error.code, 'bad_request');
  const badOp = await call(hub.url, 'POST', '/api/v1/tasks', { token, body: { op: 999, params: {} } });
  assert.is(badOp.status, 400);
  assert.equal(
    badOp.body.error.details.map((d: { path: string }) => d.path),
    ['op'],
    'the op, not "the body is neither a task nor a list"',
  );
  assert.match(
    badOp.body.error.message,
    /^the body does not match the expected shape: op: .*'100' \| '200' \| '300' \| '400'/,
  );
  const badFilter = await call(hub.url, 'POST', '/api/v1/tasks', {
    token,
    body: { op: 200, params: { dataset: 'cars', where: { column: 'x', op: 'between', value: 3 } } },
  });
  assert.is(badFilter.status, 400);
  assert.match(badFilter.body.error.message, /params\.where\.value: between needs \[low, high\]/);
  // In a batch, the problem's place starts with the task's index.
  const badK = await call(hub.url, 'POST', '/api/v1/tasks', {
    token,
    body: [
      { op: 100, params: { dataset: 'cars' } },
      { op: 300, params: { dataset: 'cars', analysis: 'kmeans', features: ['a'], k: 1000 } },
    ],
  });
  assert.equal(
    badK.body.error.details.map((d: { path: string }) => d.path),
    ['1.params.k'],
  );
  const emptyBatch = await call(hub.url, 'POST', '/api/v1/tasks', { token, body: [] });
  assert.is(emptyBatch.status, 400);
  const badQuery = await call(hub.url, 'GET', '/api/v1/tasks?limit=abc', { token });
  assert.is(badQuery.status, 400);
  const badId = await call(hub.url, 'GET', '/api/v1/tasks/not%20an%20id', { token });
  assert.is(badId.status, 400);
  const big = await call(hub.url, 'POST', '/api/v1/auth/login', {
    raw: JSON.stringify({ username: 'x', password: 'y'.repeat(2 * 1024 * 1024) }),
  });
  assert.is(big.status, 413);
  assert.is(big.body.error.code, 'payload_too_large');
});

test('a task for an unknown runner → 404; a dataset nobody serves yet is still queued', async ({ hub, token }) => {
  const r = await call(hub.url, 'POST', '/api/v1/tasks', {
    token,
    body: { op: 100, runner_id: 'rnr_missing', params: { dataset: 'cars' } },
  });
  assert.is(r.status, 404);
  assert.is(r.body.error.code, 'not_found');
  const batch = await call(hub.url, 'POST', '/api/v1/tasks', {
    token,
    body: [
      { op: 100, params: { dataset: 'x' } },
      { op: 100, runner_id: 'rnr_missing', params: { dataset: 'x' } },
    ],
  });
  assert.is(batch.status, 404, 'a batch is all or nothing');
  const list = TaskList.parse((await call(hub.url, 'GET', '/api/v1/tasks?dataset=x', { token })).body);
  assert.is(list.tasks.length, 0, 'nothing of the failed batch was stored');
  const q = await call(hub.url, 'POST', '/api/v1/tasks', {
    token,
    body: { op: 100, params: { dataset: 'nobody-has-this' } },
  });
  assert.is(q.status, 201);
  assert.is(q.body.status, 'queued');
  assert.equal(q.body.warnings, [
    'no runner serves dataset "nobody-has-this": the task waits in the queue until one does (or is canceled)',
  ]);
  // A runner that serves a close name: the creator is asked if they meant it; a task pinned to a runner that does not
  // serve the dataset is said to wait for that runner.
  const warned = await register(hub.url, 'test-enrollment-key', 'warned', ['penguins']);
  const typo = await call(hub.url, 'POST', '/api/v1/tasks', {
    token,
    body: [
      { op: 100, params: { dataset: 'penguin' } },
      { op: 100, params: { dataset: 'penguins' } },
      { op: 100, runner_id: warned.runner_id, params: { dataset: 'cars' } },
    ],
  });
  assert.is(typo.status, 201);
  assert.equal(
    typo.body.tasks.map((t: { warnings?: string[] }) => t.warnings),
    [
      [
        'no runner serves dataset "penguin": the task waits in the queue until one does (or is canceled); did you mean "penguins"?',
      ],
      undefined,
      [
        `runner ${warned.runner_id} does not serve dataset "cars": the task waits in the queue until it does (or is canceled)`,
      ],
    ],
  );
  for (const t of [q.body, ...typo.body.tasks])
    await call(hub.url, 'POST', `/api/v1/tasks/${t.task_id}/cancel`, { token });
});

test('unknown task → 404; unknown route → 404 JSON', async ({ hub, token }) => {
  for (const [method, path] of [
    ['GET', '/api/v1/tasks/t_unknown'],
    ['GET', '/api/v1/result/t_unknown'],
    ['POST', '/api/v1/tasks/t_unknown/cancel'],
    ['GET', '/api/v1/runners/rnr_unknown'],
    ['GET', '/api/v1/nothing-here'],
    ['DELETE', '/api/v1/tasks'],
  ]) {
    const r = await call(hub.url, method, path, { token });
    assert.is(r.status, 404, `${method} ${path}`);
    assert.is(r.body.error.code, 'not_found');
  }
});

test('list filters: status, runner, dataset, limit, before', async ({ hub, token }) => {
  const runner = await register(hub.url, 'test-enrollment-key', 'lister', ['listed']);
  const made = await call(hub.url, 'POST', '/api/v1/tasks', {
    token,
    body: [1, 2, 3].map(() => ({ op: 100, runner_id: runner.runner_id, params: { dataset: 'listed' } })),
  });
  const ids = made.body.tasks.map((t: { task_id: string }) => t.task_id);
  const byRunner = TaskList.parse(
    (await call(hub.url, 'GET', `/api/v1/tasks?runner_id=${runner.runner_id}`, { token })).body,
  );
  assert.equal(byRunner.tasks.map((t) => t.task_id).sort(), [...ids].sort());
  const page = TaskList.parse((await call(hub.url, 'GET', '/api/v1/tasks?dataset=listed&limit=2', { token })).body);
  assert.is(page.tasks.length, 2);
  assert.ok(page.tasks[0].created_at >= page.tasks[1].created_at, 'newest first');
  const canceled = TaskList.parse(
    (await call(hub.url, 'GET', '/api/v1/tasks?dataset=listed&status=canceled', { token })).body,
  );
  assert.is(canceled.tasks.length, 0);
  const before = TaskList.parse(
    (
      await call(
        hub.url,
        'GET',
        `/api/v1/tasks?dataset=listed&before=${encodeURIComponent('2000-01-01T00:00:00.000Z')}`,
        { token },
      )
    ).body,
  );
  assert.is(before.tasks.length, 0);
});

test.run();
