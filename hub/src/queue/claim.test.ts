import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { listAttempts } from './attempts.ts';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { CompiledQuery } from 'kysely';
import type { DatabaseConfig } from '../config.ts';
import { addRunner, DIALECTS, fetchTask, openTestDb, type TestDb } from '../testing/support.ts';
import { claim, claimFor } from './claim.ts';
import { enqueue } from './enqueue.ts';

const RACE = fileURLToPath(new URL('../testing/claim-race.ts', import.meta.url));

interface Racer {
  ready: Promise<void>;
  go(): void;
  done: Promise<string[]>;
}

/** A claimer in its own process (its own database connection), started on `go()`. */
function raceProcess(database: DatabaseConfig, runnerIds: string[]): Racer {
  const child = spawn(process.execPath, ['--import', 'tsx', RACE, JSON.stringify(database), runnerIds.join(','), 'd'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let out = '';
  let markReady: () => void;
  const ready = new Promise<void>((r) => (markReady = r));
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    if (out.startsWith('ready\n')) markReady();
  });
  const done = new Promise<string[]>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`claim race process exited with ${code}`));
      resolve(JSON.parse(out.slice('ready\n'.length)) as string[]);
    });
  });
  return { ready, go: () => child.stdin.write('go\n'), done };
}

for (const dialect of DIALECTS) {
  const test = suite<{ t: TestDb }>(`claim (${dialect})`, {} as { t: TestDb });
  test.before.each(async (c) => {
    c.t = await openTestDb(dialect);
  });
  test.after.each(async (c) => {
    await c.t.close();
  });

  test('leases a task: attempt+1, lease token, expiry, its attempt (the task row, no attempt row written)', async ({
    t,
  }) => {
    const { ctx } = t;
    const { row: r } = await addRunner(ctx, 'a', ['weather']);
    const [created] = await enqueue(ctx, [fetchTask('weather')], null);
    const now = Date.now();
    const [offer] = await claim(ctx, { id: r.id, datasets: ['weather'] }, 5, now);
    assert.is(offer.task_id, created.task_id);
    assert.is(offer.attempt, 1);
    assert.ok(offer.lease_token.length > 20);
    assert.is(Date.parse(offer.lease_expires_at), now + ctx.config.leaseTtlS * 1000);
    assert.equal(offer.params, { dataset: 'weather', limit: 100, offset: 0 });
    const task = await ctx.db.selectFrom('tasks').selectAll().executeTakeFirstOrThrow();
    assert.is(task.status, 'leased');
    assert.is(task.runner_id, r.id);
    assert.is(task.deadline_at, now + task.timeout_s * 1000);
    assert.is(task.leased_at, now);
    const attempts = await listAttempts(ctx.db, task);
    assert.is(attempts.length, 1);
    assert.is(attempts[0].lease_token, offer.lease_token);
    assert.is(attempts[0].outcome, 'running');
    assert.is(attempts[0].started_at, now);
    assert.is((await ctx.db.selectFrom('task_attempts').selectAll().execute()).length, 0);
    assert.equal(await claim(ctx, { id: r.id, datasets: ['weather'] }, 5), [], 'a leased task is not claimed again');
  });

  test('target matching: pinned tasks go to their runner only, dataset tasks to runners advertising it', async ({
    t,
  }) => {
    const { ctx } = t;
    const { row: a } = await addRunner(ctx, 'a', ['weather']);
    const { row: b } = await addRunner(ctx, 'b', ['weather', 'cars']);
    const { row: c } = await addRunner(ctx, 'c', []);
    const [forB] = await enqueue(ctx, [fetchTask('weather', { runner_id: b.id })], null);
    const [cars] = await enqueue(ctx, [fetchTask('cars')], null);
    const [forC] = await enqueue(ctx, [fetchTask('unknown', { runner_id: c.id })], null);

    assert.equal(
      await claim(ctx, { id: a.id, datasets: ['weather'] }, 10),
      [],
      'a has weather, but that task is pinned to b; a has no cars',
    );
    const got = await claim(ctx, { id: b.id, datasets: ['weather', 'cars'] }, 10);
    assert.equal(got.map((o) => o.task_id).sort(), [forB.task_id, cars.task_id].sort());
    const gotC = await claim(ctx, { id: c.id, datasets: [] }, 10);
    assert.equal(
      gotC.map((o) => o.task_id),
      [forC.task_id],
      'a pinned task runs even if its dataset is not advertised',
    );
  });

  test('oldest first, up to the limit; not before available_at; not while draining', async ({ t }) => {
    const { ctx } = t;
    const { row: r } = await addRunner(ctx, 'a', ['d']);
    const created = await enqueue(ctx, [fetchTask('d'), fetchTask('d'), fetchTask('d')], null);
    assert.equal(await claim(ctx, { id: r.id, datasets: ['d'], draining: true }, 3), []);
    const first = await claim(ctx, { id: r.id, datasets: ['d'] }, 2);
    assert.equal(
      first.map((o) => o.task_id),
      created.slice(0, 2).map((c) => c.task_id),
    );
    await ctx.db
      .updateTable('tasks')
      .set({ available_at: Date.now() + 60_000 })
      .where('id', '=', created[2].task_id)
      .execute();
    assert.equal(await claim(ctx, { id: r.id, datasets: ['d'] }, 2), [], 'backoff not over yet');
    const later = await claim(ctx, { id: r.id, datasets: ['d'] }, 2, Date.now() + 61_000);
    assert.equal(
      later.map((o) => o.task_id),
      [created[2].task_id],
    );
    const tokens = new Set([...first, ...later].map((o) => o.lease_token));
    assert.is(tokens.size, 3, 'every lease token is distinct');
  });

  test('a claim for new work skips the runners asked only for it once an earlier runner took all of it', async ({
    t,
  }) => {
    const { ctx } = t;
    const runners: { id: string }[] = [];
    for (const name of ['first', 'second', 'third']) runners.push((await addRunner(ctx, name, ['news'])).row);
    await enqueue(ctx, [fetchTask('news')], null);
    const standings: string[] = [];
    const executor = ctx.db.getExecutor() as unknown as { executeQuery: (q: CompiledQuery) => Promise<unknown> };
    const run = executor.executeQuery.bind(executor);
    executor.executeQuery = (q) => {
      if (/from "runners" as "r"/.test(q.sql))
        standings.push(...runners.filter((r) => q.parameters.includes(r.id)).map((r) => r.id));
      return run(q);
    };
    const hint = { runners: [], datasets: ['news'] };
    const offers = await claimFor(ctx, [
      { runner: { id: runners[0].id, datasets: ['news'] }, limit: 4, onlyFor: hint },
      { runner: { id: runners[1].id, datasets: ['news'] }, limit: 4, onlyFor: hint },
      { runner: { id: runners[2].id, datasets: ['news'] }, limit: 4 }, // asked for itself: a slot of its freed
    ]);
    executor.executeQuery = run;
    assert.equal(
      offers.map((o) => o.length),
      [1, 0, 0],
    );
    assert.equal(standings, [runners[0].id, runners[2].id]);
  });

  test('the runners of one claim read different tasks: no pick again under the lock; one cut short still gets its share', async ({
    t,
  }) => {
    const { ctx } = t;
    const ids: string[] = [];
    for (const name of ['one', 'two', 'three']) ids.push((await addRunner(ctx, name, ['spread'])).row.id);
    const created = await enqueue(
      ctx,
      Array.from({ length: 12 }, () => fetchTask('spread')),
      null,
    );
    // Every executor of the database's kind (the transaction's too) counts the picks: reads of tasks, oldest first.
    let picks = 0;
    const proto = Object.getPrototypeOf(ctx.db.getExecutor()) as {
      executeQuery: (q: CompiledQuery) => Promise<unknown>;
    };
    const run = proto.executeQuery;
    proto.executeQuery = function (this: unknown, q: CompiledQuery) {
      if (/^\(?select/.test(q.sql) && /from "tasks"/.test(q.sql) && /order by "created_at"/.test(q.sql)) picks++;
      return run.call(this, q);
    };
    const wants = (limit: number) => ids.map((id) => ({ runner: { id, datasets: ['spread'] }, limit }));
    const offers = await claimFor(ctx, wants(4)).finally(() => {
      proto.executeQuery = run;
    });
    assert.equal(
      offers.map((o) => o.length),
      [4, 4, 4],
      'each runner its own four',
    );
    assert.equal(new Set(offers.flat().map((o) => o.task_id)), new Set(created.map((c) => c.task_id)));
    assert.is(picks, 3, 'one read a runner, none again under the lock');

    // Past what a read may skip (64 ids): the third runner's read finds only part of its share, and picks the rest
    // under the lock.
    const more = (
      await enqueue(
        ctx,
        Array.from({ length: 150 }, () => fetchTask('spread')),
        null,
      )
    ).map((c) => c.task_id);
    const big = await claimFor(ctx, wants(50));
    assert.equal(
      big.map((o) => o.length),
      [50, 50, 50],
    );
    assert.equal(new Set(big.flat().map((o) => o.task_id)), new Set(more));
  });

  test('concurrent claimers in separate processes and connections never get the same task', async ({ t }) => {
    const { ctx } = t;
    const N = 600;
    const runners = await Promise.all(Array.from({ length: 6 }, (_, i) => addRunner(ctx, `r${i}`, ['d'])));
    const created = await enqueue(
      ctx,
      Array.from({ length: N }, () => fetchTask('d')),
      null,
    );
    const ids = runners.map((r) => r.row.id);
    // Two processes, each with its own connection and three runners claiming at once, plus this process.
    const racers = [
      raceProcess(ctx.config.database, ids.slice(0, 3)),
      raceProcess(ctx.config.database, ids.slice(3, 6)),
    ];
    await Promise.all(racers.map((r) => r.ready));
    for (const r of racers) r.go();
    const results = await Promise.all([
      ...racers.map((r) => r.done),
      (async () => {
        const got: string[] = [];
        for (;;) {
          const offers = await claim(ctx, { id: ids[0], datasets: ['d'] }, 2);
          if (offers.length === 0) return got;
          got.push(...offers.map((o) => o.task_id));
          await new Promise((r) => setTimeout(r, 2)); // a turn for the other processes (see claim-race.ts)
        }
      })(),
    ]);
    const seen = results.flat();
    assert.ok(
      results.every((r) => r.length > 0),
      `all three claimers took part: ${results.map((r) => r.length)}`,
    );
    assert.is(seen.length, N, 'every task claimed once');
    assert.is(new Set(seen).size, N, 'no task claimed twice');
    assert.equal(new Set(seen), new Set(created.map((c) => c.task_id)));
    for (const task of await ctx.db.selectFrom('tasks').selectAll().execute())
      assert.is((await listAttempts(ctx.db, task)).length, 1, 'one attempt per task');
    const notOne = await ctx.db.selectFrom('tasks').select('id').where('attempt', '!=', 1).execute();
    assert.is(notOne.length, 0);
  });

  test.run();
}
