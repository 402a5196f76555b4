// Single creates in a burst (stored in group commits, enqueue.ts): every accepted task is stored and audited once, with
// its creator; a request that is refused (bad body, unknown or revoked runner) fails alone and leaves nothing behind.
// On SQLite and PostgreSQL.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { call, login } from '../testing/http.ts';
import { addRunner, DIALECTS, startTestHub } from '../testing/support.ts';
import { revokeRunner } from '../store/runners.ts';

const BURST = 60;

for (const dialect of DIALECTS) {
  test(`${dialect}: a burst of single creates: all stored, each audited once; the bad ones fail alone`, async () => {
    const hub = await startTestHub({}, dialect);
    try {
      const token = (await login(hub.url, 'admin', 'admin-password')).token;
      const live = (await addRunner(hub.ctx, 'burst-live', ['cars'])).row;
      const gone = (await addRunner(hub.ctx, 'burst-revoked', ['cars'])).row;
      await revokeRunner(hub.db, gone.id);
      const bodies: { body?: unknown; raw?: string; want: number }[] = [];
      for (let i = 0; i < BURST; i++) {
        if (i === 7) bodies.push({ body: { op: 999, params: { dataset: 'cars' } }, want: 400 });
        else if (i === 13) bodies.push({ raw: '{"op": 100,', want: 400 });
        else if (i === 21)
          bodies.push({ body: { op: 100, runner_id: 'r_nosuchrunner', params: { dataset: 'cars' } }, want: 404 });
        else if (i === 34)
          bodies.push({ body: { op: 100, runner_id: gone.id, params: { dataset: 'cars' } }, want: 409 });
        else if (i % 5 === 0)
          bodies.push({ body: { op: 100, runner_id: live.id, params: { dataset: 'cars', limit: i + 1 } }, want: 201 });
        else bodies.push({ body: { op: 100, params: { dataset: 'cars', limit: i + 1 } }, want: 201 });
      }
      // All at once: most arrive within the same turns of the hub's event loop and share a transaction.
      const replies = await Promise.all(
        bodies.map((b) =>
          call(hub.url, 'POST', '/api/v1/tasks', { token, ...(b.raw ? { raw: b.raw } : { body: b.body }) }),
        ),
      );
      replies.forEach((r, i) => assert.is(r.status, bodies[i].want, `request ${i}: ${JSON.stringify(r.body)}`));
      const ids = replies.filter((r) => r.status === 201).map((r) => r.body.task_id as string);
      assert.is(ids.length, BURST - 4);
      assert.is(new Set(ids).size, ids.length);

      const tasks = await hub.db
        .selectFrom('tasks')
        .select(['id', 'params', 'created_by', 'target_runner_id'])
        .execute();
      assert.is(tasks.length, ids.length, 'nothing stored for the refused requests');
      const byId = new Map(tasks.map((t) => [t.id, t]));
      const admin = await hub.db
        .selectFrom('users')
        .select('id')
        .where('username', '=', 'admin')
        .executeTakeFirstOrThrow();
      for (const [i, r] of replies.entries()) {
        if (r.status !== 201) continue;
        const t = byId.get(r.body.task_id);
        assert.ok(t, `task of request ${i} stored`);
        assert.is(JSON.parse(t.params).limit, i + 1, 'each request got its own task');
        assert.is(t.created_by, admin.id);
        assert.is(t.target_runner_id, i % 5 === 0 ? live.id : null);
      }

      const audits = await hub.db
        .selectFrom('audit_log')
        .select(['target_id', 'actor_id', 'details'])
        .where('action', '=', 'task.created')
        .execute();
      assert.is(audits.length, ids.length, 'one task.created entry per stored task, none for the refused');
      assert.equal(new Set(audits.map((a) => a.target_id)), new Set(ids));
      for (const a of audits) {
        assert.is(a.actor_id, admin.id);
        const d = JSON.parse(a.details);
        assert.is(d.dataset, 'cars');
        assert.is(d.runner_id, byId.get(a.target_id!)!.target_runner_id);
      }
    } finally {
      await hub.cleanup();
    }
  });
}

test.run();
