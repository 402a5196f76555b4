// Runner token lifecycle with real processes: `simpul-runner rotate-token` while a task runs (the runner switches to the
// new token and the task completes once), then revocation (the runner is cut off and stops instead of enrolling again).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { HubProc } from '../lib/hub.ts';
import { RunnerProc } from '../lib/runner.ts';
import { bigCsv, PATIENTS_CSV } from '../lib/data.ts';
import { ROOT, spawnTs, waitFor } from '../lib/procs.ts';

const test = suite('security: runner tokens');
let hub: HubProc;
let runner: RunnerProc;

test.before(async () => {
  hub = await HubProc.start({ env: { SIMPUL_TOKEN_OVERLAP_S: '3' } });
  // HTTP polling only: every request carries the token, so a runner that missed the rotation would be refused.
  runner = await RunnerProc.start(hub, { name: 'rotating', transport: 'polling', datasets: [{ name: 'big', path: await bigCsv() }, { name: 'patients', path: PATIENTS_CSV }] }, false);
  await hub.waitRunnerOnline('rotating', true, 180_000); // opening 3 M rows takes a while on a busy machine
});
test.after(async () => {
  await runner?.stop();
  await hub?.stop();
});

const stateOf = (r: RunnerProc) => JSON.parse(readFileSync(`${r.configPath}.state.json`, 'utf8'));

// Skipped: it depends on the task outlasting the rotation, which a loaded machine does not guarantee (issue 6 is open).
test.skip('rotate-token during a running task: the runner carries on with the new token, the task completes once', async () => {
  const runnerId = await runner.id();
  const before = stateOf(runner);
  const slow = await hub.api.post('/api/v1/tasks', { op: 300, runner_id: runnerId, params: { dataset: 'big', analysis: 'describe' } });
  assert.is(slow.status, 201);
  await hub.api.waitTask(slow.body.task_id, ['running']);

  const cli = spawnTs('rotate-token', 'runner/src/cli.ts', ['rotate-token', '--config', runner.configPath], {}, join(ROOT, 'test-artifacts', 'logs'));
  assert.is(await cli.exited, 0, cli.logs);
  assert.match(cli.logs, /rotated the token of runner/);
  const after = stateOf(runner);
  assert.is(after.runner_id, before.runner_id);
  assert.is.not(after.token, before.token);

  await runner.proc.waitLog(/runner token rotated; using the new one/);
  const done = await hub.api.waitTask(slow.body.task_id, ['succeeded', 'failed', 'canceled'], 120_000);
  assert.is(done.status, 'succeeded', JSON.stringify(done.error));
  assert.is(done.attempts.length, 1, 'never re-leased: the rotation did not interrupt it');
  // The rotation came while the task was still running, not after it.
  const lines = runner.proc.logs.split('\n');
  const rotatedAt = lines.findIndex((l) => l.includes('runner token rotated'));
  const finishedAt = lines.findIndex((l) => l.includes(slow.body.task_id) && l.includes('task finished'));
  assert.ok(rotatedAt >= 0 && finishedAt > rotatedAt, 'rotated before the task finished');

  // The old token stops working after the overlap; the runner, on the new one, keeps taking work.
  await waitFor(async () => (await hub.api.post('/api/v1/ping', { runner_id: runnerId }, { token: before.token })).status === 401, 'the old token to expire', 30_000, 250);
  const next = await hub.api.post('/api/v1/tasks', { op: 100, runner_id: runnerId, params: { dataset: 'patients', limit: 3 } });
  assert.is((await hub.api.waitTask(next.body.task_id)).status, 'succeeded');
  const audit = await hub.api.get(`/api/v1/audit?action=runner.token_rotated&target_id=${runnerId}`);
  assert.is(audit.body.entries.length, 1);
  assert.is(audit.body.entries[0].actor.id, runnerId);
});

test('a revoked runner is disconnected at once and stops for good, although it has an enrolment key', async () => {
  const doomed = await RunnerProc.start(hub, { name: 'doomed', datasets: [{ name: 'patients', path: PATIENTS_CSV }] }, false);
  await hub.waitRunnerOnline('doomed', true, 120_000);
  const id = await doomed.id();
  await waitFor(async () => (await hub.runners()).find((r) => r.runner_id === id)?.transport === 'websocket', 'the socket');
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
