// The backlog: a freed slot's round asks the database only when work its runner may take may be queued. Unit part: the
// marks and their refresh by a read of due work; socket part: a real hub and a Socket.IO runner with two slots.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { CompiledQuery } from 'kysely';
import { ResultReply, type TaskOffer } from '@simpul/protocol';
import { call, login, register } from '../testing/http.ts';
import { collectOffers, connectRunner, runnerAuth } from '../testing/sockets.ts';
import { DIALECTS, rowsResult, sleep, startTestHub, waitFor } from '../testing/support.ts';
import { Backlog } from './backlog.ts';

const none = { targets: new Set<string>(), datasets: new Set<string>() };

const unit = suite('backlog marks');
unit('anything may be due until a read of due work; then only what was marked or found', () => {
  const b = new Backlog();
  assert.ok(b.mayHave('rnr_a', []), 'at start');
  b.refresh(b.now(), none);
  assert.not.ok(b.mayHave('rnr_a', ['d']));
  b.mark({ runners: ['rnr_a'], datasets: ['d'] });
  assert.ok(b.mayHave('rnr_a', []), 'targeted at it');
  assert.ok(b.mayHave('rnr_b', ['e', 'd']), 'a name it serves');
  assert.not.ok(b.mayHave('rnr_b', ['e']));
  b.refresh(b.now(), { targets: new Set(), datasets: new Set(['e']) });
  assert.not.ok(b.mayHave('rnr_a', ['d']), 'the read found none of it due');
  assert.ok(b.mayHave('rnr_b', ['e']), 'the read found e due');
  b.markAll();
  assert.ok(b.mayHave('rnr_c', ['z']));
});
unit('marks made while a read ran survive it (their work may have committed after the read)', () => {
  const b = new Backlog();
  const since = b.now();
  b.mark({ runners: [], datasets: ['late'] });
  b.markAll();
  b.refresh(since, none);
  assert.ok(b.mayHave('rnr_a', ['late']));
  assert.ok(b.mayHave('rnr_a', ['other']), 'anything, marked after the read began');
  b.refresh(b.now(), none);
  assert.not.ok(b.mayHave('rnr_a', ['late']));
  assert.not.ok(b.mayHave('rnr_a', ['other']));
});
unit("a claim that read all of a name's due work drops its mark, unless the name was marked again meanwhile", () => {
  const b = new Backlog();
  b.refresh(b.now(), none);
  b.mark({ runners: [], datasets: ['a', 'b'] });
  const since = b.now();
  b.mark({ runners: [], datasets: ['b'] });
  b.drained(since, new Set(['a', 'b', 'never-marked']));
  assert.not.ok(b.mayHave('rnr_x', ['a']));
  assert.ok(b.mayHave('rnr_x', ['b']), 'marked after the claim began');
});
unit.run();

for (const dialect of DIALECTS) {
  const test = suite(`freed slots and the backlog (${dialect})`);
  test('a freed slot gets the work queued behind it; with nothing queued its round reads nothing', async () => {
    // No reaper ticks during the test: only the rounds under test can deliver the queued task.
    const hub = await startTestHub({ SIMPUL_SITE_APPROVAL: 'auto', SIMPUL_REAPER_INTERVAL_MS: '600000' }, dialect);
    const socket = await (async () => {
      const reg = await register(hub.url, 'test-enrollment-key', 'two-slots', ['solo']);
      const s = await connectRunner(hub.url, runnerAuth(reg));
      return Object.assign(s, { reg });
    })();
    try {
      const token = (await login(hub.url, 'admin', 'admin-password')).token;
      const offers = collectOffers(socket);
      await socket.emitWithAck('runner:hello', {
        runner_id: socket.reg.runner_id,
        leases: [],
        concurrency: 2,
      } as never);
      const finish = async (o: TaskOffer) =>
        ResultReply.parse(
          await socket.emitWithAck('task:result', {
            task_id: o.task_id,
            lease_token: o.lease_token,
            status: 'succeeded',
            result: rowsResult(1),
          }),
        );
      const body = [0, 1, 2].map(() => ({ op: 100, params: { dataset: 'solo' } }));
      const created = (await call(hub.url, 'POST', '/api/v1/tasks', { token, body })).body.tasks;
      await waitFor('the first two offers', () => offers.length === 2);
      assert.equal(
        offers.map((o) => o.task_id),
        [created[0].task_id, created[1].task_id],
      );
      await sleep(100);
      assert.is(offers.length, 2, 'two slots');
      // A full round in between reads what is due and finds the third task: its name stays marked.
      hub.ctx.events.available();
      await sleep(100);
      assert.ok((await finish(offers[0])).stored);
      const third = await waitFor('the third offer, after a slot freed', () => offers[2]);
      assert.is(third.task_id, created[2].task_id);

      // Nothing is queued now. The next slot that frees reads once and finds nothing: all of the name's due work was
      // read, and the name is forgotten. The slot after that asks the database nothing (no full round in between).
      assert.ok((await finish(offers[1])).stored);
      await sleep(100);
      const reads: string[] = [];
      const executor = hub.db.getExecutor() as unknown as { executeQuery: (q: CompiledQuery) => Promise<unknown> };
      const run = executor.executeQuery.bind(executor);
      executor.executeQuery = (q) => {
        if (/from "runners" as "r"|count\(\*\)/.test(q.sql)) reads.push(q.sql);
        return run(q);
      };
      try {
        assert.ok((await finish(third)).stored);
        await sleep(200);
      } finally {
        executor.executeQuery = run;
      }
      assert.equal(reads, [], 'no load count, standing or pick for a slot with nothing waiting');

      // New work still comes at once.
      const fourth = (
        await call(hub.url, 'POST', '/api/v1/tasks', { token, body: { op: 100, params: { dataset: 'solo' } } })
      ).body;
      assert.is((await waitFor('the fourth offer', () => offers[3])).task_id, fourth.task_id);
    } finally {
      socket.close();
      await hub.cleanup();
    }
  });
  test.run();
}
