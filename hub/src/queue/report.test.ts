import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { listAttempts } from './attempts.ts';
import { HubError } from '../errors.ts';
import { addRunner, DIALECTS, fetchTask, openTestDb, rowsResult, type TestDb } from '../testing/support.ts';
import { claim } from './claim.ts';
import { enqueue } from './enqueue.ts';
import { reapOnce } from './reaper.ts';
import { progress, release, result } from './report.ts';

async function rejects(p: Promise<unknown>, code: string, status: number) {
  try {
    await p;
  } catch (err) {
    assert.instance(err, HubError);
    assert.is((err as HubError).code, code);
    assert.is((err as HubError).status, status);
    return;
  }
  assert.unreachable(`expected ${code}`);
}

for (const dialect of DIALECTS) {
  const test = suite<{ t: TestDb }>(`fencing (${dialect})`, {} as { t: TestDb });
  test.before.each(async (c) => {
    c.t = await openTestDb(dialect, {
      SIMPUL_LEASE_TTL_S: '10',
      SIMPUL_INLINE_RESULT_MAX: '2048',
      SIMPUL_BACKOFF_BASE_MS: '0',
    });
  });
  test.after.each(async (c) => {
    await c.t.close();
  });

  async function leased(t: TestDb) {
    const { row: runner } = await addRunner(t.ctx, 'a', ['d']);
    const [task] = await enqueue(t.ctx, [fetchTask('d')], null);
    const [offer] = await claim(t.ctx, { id: runner.id, datasets: ['d'] }, 1);
    return { runner, task, offer };
  }
  const getRow = (t: TestDb, id: string) =>
    t.ctx.db.selectFrom('tasks').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  test('first progress moves leased → running and renews the lease; a stale token changes nothing', async ({ t }) => {
    const { runner, offer } = await leased(t);
    await rejects(
      progress(t.ctx, runner, { task_id: offer.task_id, lease_token: 'lease_wrong', percent: 10 }),
      'stale_lease',
      409,
    );
    assert.is((await getRow(t, offer.task_id)).status, 'leased');
    const now = Date.now() + 5000;
    const reply = await progress(
      t.ctx,
      runner,
      { task_id: offer.task_id, lease_token: offer.lease_token, percent: 40, message: 'reading' },
      now,
    );
    assert.equal(reply, { ok: true, canceled: false, lease_expires_at: new Date(now + 10_000).toISOString() });
    const row = await getRow(t, offer.task_id);
    assert.is(row.status, 'running');
    assert.is(row.started_at, now);
    assert.is(row.progress, 40);
    assert.is(row.progress_message, 'reading');
  });

  test('the same result twice is stored once; a different one is a conflict', async ({ t }) => {
    const { runner, offer } = await leased(t);
    const post = {
      task_id: offer.task_id,
      lease_token: offer.lease_token,
      status: 'succeeded' as const,
      result: rowsResult(2),
    };
    assert.equal(await result(t.ctx, runner, post), { ok: true, stored: true });
    // Key order does not matter: the hash is over canonical JSON.
    const reordered = { ...post, result: { total_rows: 2, rows: [[0], [1]], columns: rowsResult(2).columns } };
    assert.equal(await result(t.ctx, runner, reordered), { ok: true, stored: false });
    await rejects(result(t.ctx, runner, { ...post, result: rowsResult(3) }), 'conflict', 409);
    await rejects(
      result(t.ctx, runner, {
        ...post,
        status: 'failed',
        result: undefined,
        error: { code: 'op_failed', message: 'x' },
      }),
      'conflict',
      409,
    );
    const row = await getRow(t, offer.task_id);
    assert.is(row.status, 'succeeded');
    assert.equal(JSON.parse(row.result!), rowsResult(2));
    const attempts = await listAttempts(t.ctx.db, row);
    assert.equal(
      attempts.map((a) => [a.outcome, a.lease_token, a.ended_at]),
      [['succeeded', post.lease_token, row.finished_at]],
    );
  });

  test('a late result from a lost attempt is stale; the new holder’s result stands', async ({ t }) => {
    const { runner: a, offer: first } = await leased(t);
    const { row: b } = await addRunner(t.ctx, 'b', ['d']);
    await reapOnce(t.ctx, Date.now() + 10_001);
    const [second] = await claim(t.ctx, { id: b.id, datasets: ['d'] }, 1, Date.now() + 10_002);
    assert.is(second.attempt, 2);
    assert.equal(
      await result(t.ctx, b, {
        task_id: second.task_id,
        lease_token: second.lease_token,
        status: 'succeeded',
        result: rowsResult(1),
      }),
      { ok: true, stored: true },
    );
    await rejects(
      result(t.ctx, a, {
        task_id: first.task_id,
        lease_token: first.lease_token,
        status: 'succeeded',
        result: rowsResult(5),
      }),
      'stale_lease',
      409,
    );
    await rejects(
      progress(t.ctx, a, { task_id: first.task_id, lease_token: first.lease_token, percent: 99 }),
      'stale_lease',
      409,
    );
    const row = await getRow(t, first.task_id);
    assert.is(row.runner_id, b.id);
    assert.equal(JSON.parse(row.result!), rowsResult(1));
  });

  test('a runner that never held the task is forbidden; an unknown task is not found', async ({ t }) => {
    const { offer } = await leased(t);
    const { row: other } = await addRunner(t.ctx, 'other', ['d']);
    await rejects(
      result(t.ctx, other, {
        task_id: offer.task_id,
        lease_token: offer.lease_token,
        status: 'succeeded',
        result: rowsResult(),
      }),
      'forbidden',
      403,
    );
    await rejects(
      progress(t.ctx, other, { task_id: offer.task_id, lease_token: offer.lease_token, percent: 1 }),
      'forbidden',
      403,
    );
    await rejects(progress(t.ctx, other, { task_id: 'nope', lease_token: 'x', percent: 1 }), 'not_found', 404);
    assert.is((await getRow(t, offer.task_id)).status, 'leased');
  });

  test('failed with a timeout is recorded as such; oversized and malformed results are refused', async ({ t }) => {
    const { runner, offer } = await leased(t);
    const big = { ...rowsResult(1), rows: [['x'.repeat(3000)]] };
    await rejects(
      result(t.ctx, runner, {
        task_id: offer.task_id,
        lease_token: offer.lease_token,
        status: 'succeeded',
        result: big,
      }),
      'payload_too_large',
      413,
    );
    await rejects(
      result(t.ctx, runner, {
        task_id: offer.task_id,
        lease_token: offer.lease_token,
        status: 'succeeded',
        result: { rows: 'no' },
      }),
      'bad_request',
      400,
    );
    assert.is((await getRow(t, offer.task_id)).status, 'leased', 'refused results change nothing');
    const error = { code: 'timeout', message: 'ran past 30 s' };
    await result(t.ctx, runner, { task_id: offer.task_id, lease_token: offer.lease_token, status: 'failed', error });
    const row = await getRow(t, offer.task_id);
    assert.is(row.status, 'failed');
    assert.equal(JSON.parse(row.error!), error);
    const [a] = await listAttempts(t.ctx.db, row);
    assert.is(a.outcome, 'timeout');
    assert.equal(JSON.parse(a.error!), error);
    assert.is((await reapOnce(t.ctx, Date.now() + 100_000)).requeued, 0, 'a failed task is not retried');
  });

  test('concurrent duplicate posts store once', async ({ t }) => {
    const { runner, offer } = await leased(t);
    const post = {
      task_id: offer.task_id,
      lease_token: offer.lease_token,
      status: 'succeeded' as const,
      result: rowsResult(2),
    };
    const replies = await Promise.all([
      result(t.ctx, runner, post),
      result(t.ctx, runner, post),
      result(t.ctx, runner, post),
    ]);
    assert.is(replies.filter((r) => r.stored).length, 1);
    assert.is(replies.filter((r) => !r.stored).length, 2);
  });

  test('a runner hands a task back: queued at once, attempt not spent; fenced like results', async ({ t }) => {
    const { runner, offer } = await leased(t);
    await progress(t.ctx, runner, { task_id: offer.task_id, lease_token: offer.lease_token, percent: 5 });
    const { row: other } = await addRunner(t.ctx, 'other', ['d']);
    await rejects(release(t.ctx, other, { task_id: offer.task_id, lease_token: offer.lease_token }), 'forbidden', 403);
    await rejects(release(t.ctx, runner, { task_id: offer.task_id, lease_token: 'lease_wrong' }), 'stale_lease', 409);
    assert.equal(
      await release(t.ctx, runner, { task_id: offer.task_id, lease_token: offer.lease_token, reason: 'draining' }),
      { ok: true, status: 'queued' },
    );
    const row = await getRow(t, offer.task_id);
    assert.is(row.status, 'queued');
    assert.is(row.attempt, 0);
    assert.ok(row.available_at <= Date.now());
    await rejects(
      release(t.ctx, runner, { task_id: offer.task_id, lease_token: offer.lease_token }),
      'stale_lease',
      409,
    );
    const [again] = await claim(t.ctx, { id: other.id, datasets: ['d'] }, 1);
    assert.is(again.attempt, 1);
  });

  test.run();
}
