// Studies follow runner access, honour timeout_s and count toward the task rate limit (issue #16, attacks 3 and 7),
// and trust on first use decides which runners a study asks (attack 1; with real runner processes in
// scripts/e2e/trust-sites.test.ts). Sites speak the runner protocol over HTTP (test-sites.ts).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { FederatedRoundParams, StudyView } from '@simpul/protocol';
import { call, login } from '../testing/http.ts';
import { addUser, startTestHub, waitFor, type TestHub } from '../testing/support.ts';
import { nextOffer, partialFor, ping, post, registerSite } from './test-sites.ts';

const KEY = 'test-enrollment-key';

async function setup(env: Record<string, string> = {}) {
  const hub = await startTestHub({ SIMPUL_STUDY_SWEEP_MS: '100', ...env });
  await addUser(hub.ctx, 'ana');
  await addUser(hub.ctx, 'bob');
  const admin = (await login(hub.url, 'admin', 'admin-password')).token;
  const ana = (await login(hub.url, 'ana', 'ana-password')).token;
  const bob = (await login(hub.url, 'bob', 'bob-password')).token;
  return { hub, admin, ana, bob };
}

const study = async (hub: TestHub, token: string, id: string) =>
  (await call<StudyView>(hub.url, 'GET', `/api/v1/studies/${id}`, { token })).body;
const runnersAsked = (s: StudyView) => s.rounds[0].tasks.map((t) => t.runner_id);

test("attack 3: a study asks only runners the analyst may use; naming another's private runner is 404, as for tasks", async () => {
  const { hub, admin, bob } = await setup({ SIMPUL_SITE_APPROVAL: 'auto' });
  try {
    const open = await registerSite(hub.url, KEY, 'open', 'd');
    const secret = await registerSite(hub.url, KEY, 'secret', 'd');
    assert.is(
      (
        await call(hub.url, 'POST', `/api/v1/runners/${secret.runner_id}/access`, {
          token: admin,
          body: { shared: false, owners: ['ana'] },
        })
      ).status,
      200,
    );

    const byName = await call(hub.url, 'POST', '/api/v1/studies', {
      token: bob,
      body: { dataset: 'd', analysis: 'summary', columns: ['x'] },
    });
    assert.is(byName.status, 201);
    assert.equal(runnersAsked(await study(hub, bob, byName.body.study_id)), [open.runner_id]);

    const named = await call(hub.url, 'POST', '/api/v1/studies', {
      token: bob,
      body: { dataset: 'd', analysis: 'summary', columns: ['x'], runner_ids: [secret.runner_id] },
    });
    assert.is(named.status, 404);
    assert.is(named.body.error.code, 'not_found');
    const task = await call(hub.url, 'POST', '/api/v1/tasks', {
      token: bob,
      body: { op: 100, runner_id: secret.runner_id, params: { dataset: 'd' } },
    });
    assert.equal(
      [named.status, named.body.error.message],
      [task.status, task.body.error.message],
      'the same answer as POST /tasks',
    );

    // Its owner and admins do use it.
    const asAdmin = await call(hub.url, 'POST', '/api/v1/studies', {
      token: admin,
      body: { dataset: 'd', analysis: 'summary', columns: ['x'] },
    });
    assert.equal(
      new Set(runnersAsked(await study(hub, admin, asAdmin.body.study_id))),
      new Set([open.runner_id, secret.runner_id]),
    );
  } finally {
    await hub.cleanup();
  }
});

test('attack 3: a study whose sub-task no runner starts fails when timeout_s has passed, not minutes later', async () => {
  const { hub, bob } = await setup();
  try {
    const idle = await registerSite(hub.url, KEY, 'idle', 'd'); // online (it pings) but never claims
    const alive = setInterval(() => void ping(hub.url, idle).catch(() => {}), 200);
    try {
      const started = Date.now();
      const r = await call(hub.url, 'POST', '/api/v1/studies', {
        token: bob,
        body: { dataset: 'd', analysis: 'summary', columns: ['x'], timeout_s: 2 },
      });
      assert.is(r.status, 201);
      const s = await waitFor(
        'the study to fail',
        async () => {
          const v = await study(hub, bob, r.body.study_id);
          return v.status === 'running' ? undefined : v;
        },
        15_000,
      );
      assert.is(s.status, 'failed');
      assert.match(JSON.stringify(s.error), /timeout/);
      assert.ok(Date.now() - started < 10_000, `ended ${Date.now() - started} ms after it started`);
    } finally {
      clearInterval(alive);
    }
  } finally {
    await hub.cleanup();
  }
});

test('attack 7: each sub-task of a study counts toward SIMPUL_TASKS_PER_MINUTE', async () => {
  const { hub, bob, admin } = await setup({ SIMPUL_SITE_APPROVAL: 'auto', SIMPUL_TASKS_PER_MINUTE: '6' });
  try {
    await registerSite(hub.url, KEY, 'a', 'd');
    await registerSite(hub.url, KEY, 'b', 'd');
    const body = { dataset: 'd', analysis: 'summary', columns: ['x'] };
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++)
      statuses.push((await call(hub.url, 'POST', '/api/v1/studies', { token: bob, body })).status);
    assert.equal(statuses, [201, 201, 201, 429, 429], 'three studies of two sub-tasks each use up six tasks a minute');
    const over = await call(hub.url, 'POST', '/api/v1/studies', { token: bob, body });
    assert.is(over.body.error.code, 'rate_limited');
    assert.ok(Number(over.headers.get('retry-after')) >= 1);
    // Studies and tasks share the budget.
    assert.is(
      (await call(hub.url, 'POST', '/api/v1/tasks', { token: bob, body: { op: 100, params: { dataset: 'd' } } }))
        .status,
      429,
    );
    assert.is(
      (await call(hub.url, 'POST', '/api/v1/studies', { token: admin, body })).status,
      201,
      'admins are not limited',
    );
  } finally {
    await hub.cleanup();
  }
});

test('attack 9: when every other site has left, a lone site_breakdown: false site does not become the combined answer', async () => {
  const { hub, bob } = await setup({ SIMPUL_SITE_APPROVAL: 'auto' });
  try {
    const open = await registerSite(hub.url, KEY, 'open', 'd');
    const shy = await registerSite(hub.url, KEY, 'shy', 'd', { site_breakdown: false });
    const r = await call(hub.url, 'POST', '/api/v1/studies', {
      token: bob,
      body: { dataset: 'd', analysis: 'summary', columns: ['x'], require: 'any', max_attempts: 1 },
    });
    assert.is(r.status, 201, JSON.stringify(r.body));
    const a = await nextOffer(hub.url, open);
    await post(hub.url, open, a, { error: { code: 'op_failed', message: 'disk full' } });
    const b = await nextOffer(hub.url, shy);
    await post(hub.url, shy, b, { result: partialFor(b.params as FederatedRoundParams, [1, 2, 3]) });
    const s = await waitFor('the study to end', async () => {
      const v = await study(hub, bob, r.body.study_id);
      return v.status === 'running' ? undefined : v;
    });
    assert.is(s.status, 'failed');
    assert.is(s.error?.code, 'policy_denied');
    assert.is(s.result, null);
  } finally {
    await hub.cleanup();
  }
});

test('attack 1: under the default (first_use), a later runner serving the name is not asked until an admin approves it', async () => {
  const { hub, admin, bob } = await setup();
  try {
    const first = await registerSite(hub.url, KEY, 'first', 'd');
    const later = await registerSite(hub.url, KEY, 'later', 'd');
    const runners = (await call(hub.url, 'GET', '/api/v1/runners', { token: bob })).body.runners;
    const status = (id: string) =>
      runners.find((r: { runner_id: string }) => r.runner_id === id).datasets[0].site_status;
    assert.equal([status(first.runner_id), status(later.runner_id)], ['approved', 'pending']);
    const before = await call(hub.url, 'POST', '/api/v1/studies', {
      token: bob,
      body: { dataset: 'd', analysis: 'summary', columns: ['x'] },
    });
    assert.equal(runnersAsked(await study(hub, bob, before.body.study_id)), [first.runner_id]);
    assert.is(
      (await call(hub.url, 'POST', `/api/v1/runners/${later.runner_id}/datasets/d/approve`, { token: bob })).status,
      403,
      'admins only',
    );
    assert.is(
      (await call(hub.url, 'POST', `/api/v1/runners/${later.runner_id}/datasets/other/approve`, { token: admin }))
        .status,
      404,
      'a name it never advertised',
    );
    assert.is(
      (await call(hub.url, 'POST', `/api/v1/runners/${later.runner_id}/datasets/d/approve`, { token: admin })).status,
      200,
    );
    const after = await call(hub.url, 'POST', '/api/v1/studies', {
      token: bob,
      body: { dataset: 'd', analysis: 'summary', columns: ['x'] },
    });
    assert.equal(
      new Set(runnersAsked(await study(hub, bob, after.body.study_id))),
      new Set([first.runner_id, later.runner_id]),
    );
  } finally {
    await hub.cleanup();
  }
});

test.run();
