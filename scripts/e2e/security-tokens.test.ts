// Runner token lifecycle with real processes: `simpul-runner rotate-token` while a task runs (the runner switches to the
// new token and the task completes once) and while the runner sleeps past the overlap (no re-registration), then
// revocation (the runner is cut off and stops instead of enrolling again).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { HubProc } from '../lib/hub.ts';
import { HeldTable } from '../lib/pg-held.ts';
import { RunnerProc } from '../lib/runner.ts';
import { PATIENTS_CSV } from '../lib/data.ts';
import { ROOT, spawnTs, waitFor } from '../lib/procs.ts';

const test = suite('security: runner tokens');
const FINAL = ['succeeded', 'failed', 'canceled'];
// A table the test locks: "the rotation happens while the task runs" holds by construction (pg-held.ts).
let held: HeldTable;
let hub: HubProc;
let runner: RunnerProc;

test.before(async () => {
  held = await HeldTable.create('simpul_tokens');
  hub = await HubProc.start({ env: { SIMPUL_TOKEN_OVERLAP_S: '2' } });
  // HTTP polling only: every request carries the token, so a runner that missed the rotation would be refused.
  runner = await RunnerProc.start(
    hub,
    { name: 'rotating', transport: 'polling', datasets: [held.dataset(), { name: 'patients', path: PATIENTS_CSV }] },
    false,
  );
  await hub.waitRunnerOnline('rotating', true, 120_000);
});
test.after(async () => {
  await runner?.stop();
  await hub?.stop();
  await held?.drop();
});

const stateOf = (r: RunnerProc) => JSON.parse(readFileSync(`${r.configPath}.state.json`, 'utf8'));
const pingAs = async (runnerId: string, token: string) =>
  (await hub.api.post('/api/v1/ping', { runner_id: runnerId }, { token })).status;
const rotateCli = () =>
  spawnTs(
    'rotate-token',
    'runner/src/cli.ts',
    ['rotate-token', '--config', runner.configPath],
    {},
    join(ROOT, 'test-artifacts', 'logs'),
  );

test('rotate-token during a running task: the runner carries on with the new token, the task completes once', async () => {
  const runnerId = await runner.id();
  const before = stateOf(runner);
  const lock = await held.hold();
  let taskId = '';
  let after = before;
  try {
    const created = await hub.api.post('/api/v1/tasks', {
      op: 100,
      runner_id: runnerId,
      params: { dataset: 'held', limit: 3 },
    });
    assert.is(created.status, 201);
    taskId = created.body.task_id;
    const running = await hub.api.waitTask(taskId, ['running', ...FINAL]);
    assert.is(running.status, 'running', JSON.stringify(running.error));
    // The runner's query is inside PostgreSQL, waiting for our lock: the task is mid-flight until we let go.
    await lock.blocked();

    const cli = rotateCli();
    assert.is(await cli.exited, 0, cli.logs);
    assert.match(cli.logs, /rotated the token of runner/);
    after = stateOf(runner);
    assert.is(after.runner_id, before.runner_id);
    assert.is.not(after.token, before.token);
    await runner.proc.waitLog(/runner token rotated; using the new one/);
    assert.is(await pingAs(runnerId, after.token), 200, 'the hub takes the new token');

    // The old token dies after the overlap while the task is still held: whatever the runner sends from now on (lease
    // renewals, the result) can only get through with the new token.
    await waitFor(async () => (await pingAs(runnerId, before.token)) === 401, 'the old token to expire', 60_000, 250);
    assert.is((await hub.api.task(taskId)).status, 'running', 'still held');
  } finally {
    await lock.release();
  }

  const done = await hub.api.waitTask(taskId, FINAL, 120_000);
  assert.is(done.status, 'succeeded', JSON.stringify(done.error));
  assert.is(done.attempts.length, 1, 'never re-leased: the rotation did not interrupt it');
  assert.is(done.runner_id, runnerId);
  const result = await hub.api.get(`/api/v1/result/${taskId}`);
  assert.is(result.status, 200);
  assert.equal(
    result.body.result.rows.map((r: unknown[]) => r[0]),
    [1, 2, 3],
  );
  assert.is(result.body.result.total_rows, 100);
  assert.is(stateOf(runner).token, after.token, 'the state file keeps the new token');
  assert.not.match(runner.proc.logs, /registering again/, 'the runner kept its identity');
  assert.is((await hub.runners()).filter((r) => r.name === 'rotating').length, 1);

  // The runner, on the new token only, keeps taking work.
  const next = await hub.api.post('/api/v1/tasks', {
    op: 100,
    runner_id: runnerId,
    params: { dataset: 'patients', limit: 3 },
  });
  assert.is((await hub.api.waitTask(next.body.task_id, FINAL)).status, 'succeeded');
  const audit = await hub.api.get(`/api/v1/audit?action=runner.token_rotated&target_id=${runnerId}`);
  assert.is(audit.body.entries.length, 1);
  assert.is(audit.body.entries[0].actor.id, runnerId);
});

test('a runner that was asleep past the overlap takes the rotated token from its state file instead of registering again', async () => {
  const runnerId = await runner.id();
  const before = stateOf(runner);
  // Stopped, the runner can neither see the state file change nor send anything until the old token is dead. Woken,
  // its watcher and its next request race: either way it must end on the new token, never re-register.
  const adopted = () => runner.proc.logs.split('runner token rotated; using the new one').length - 1;
  const adoptedBefore = adopted();
  runner.proc.signal('SIGSTOP');
  try {
    const cli = rotateCli();
    assert.is(await cli.exited, 0, cli.logs);
    await waitFor(async () => (await pingAs(runnerId, before.token)) === 401, 'the old token to expire', 60_000, 250);
  } finally {
    runner.proc.signal('SIGCONT');
  }
  await waitFor(() => adopted() > adoptedBefore, 'the runner to adopt the new token', 60_000);
  await hub.waitRunnerOnline('rotating');
  const t = await hub.api.post('/api/v1/tasks', {
    op: 100,
    runner_id: runnerId,
    params: { dataset: 'patients', limit: 1 },
  });
  const done = await hub.api.waitTask(t.body.task_id, FINAL, 120_000);
  assert.is(done.status, 'succeeded', JSON.stringify(done.error));
  assert.is(done.attempts.length, 1);
  assert.not.match(runner.proc.logs, /registering again/, 'the runner kept its identity');
  assert.is((await hub.runners()).filter((r) => r.name === 'rotating').length, 1);
});

test('a revoked runner is disconnected at once and stops for good, although it has an enrolment key', async () => {
  const doomed = await RunnerProc.start(
    hub,
    { name: 'doomed', datasets: [{ name: 'patients', path: PATIENTS_CSV }] },
    false,
  );
  await hub.waitRunnerOnline('doomed', true, 120_000);
  const id = await doomed.id();
  await waitFor(
    async () => (await hub.runners()).find((r) => r.runner_id === id)?.transport === 'websocket',
    'the socket',
  );
  const r = await hub.api.post(`/api/v1/runners/${id}/revoke`);
  assert.is(r.status, 200);
  const code = await doomed.proc.exited;
  assert.is(code, 3, 'exit code 3: refused by the hub');
  assert.match(doomed.proc.logs, /was revoked/);
  const named = (await hub.runners()).filter((x) => x.name === 'doomed');
  assert.is(named.length, 1, 'it did not enrol again under a new id');
  assert.is(named[0].revoked, true);
  const t = await hub.api.post('/api/v1/tasks', { op: 100, params: { dataset: 'patients', limit: 1 } });
  const view = await hub.api.waitTask(t.body.task_id, ['succeeded'], 60_000); // the other runner serves patients too
  assert.is(view.runner_id, await runner.id());
});

test.run();
