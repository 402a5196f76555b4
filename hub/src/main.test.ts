import { statSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { rowsResult, tempDir, waitFor } from './testing/support.ts';
import { call, login, register } from './testing/http.ts';
import { startHubProcess, type HubProcess } from './testing/process.ts';
import { HUB_NODE_FLAGS } from './node-flags.ts';

const test = suite<{ dir: string; procs: HubProcess[] }>('hub process', {} as { dir: string; procs: HubProcess[] });
test.before.each((c) => {
  c.dir = tempDir();
  c.procs = [];
});
test.after.each(async (c) => {
  for (const p of c.procs) {
    if (p.proc.exitCode === null && p.proc.signalCode === null) {
      p.proc.kill('SIGKILL');
      await p.exited;
    }
  }
  rmSync(c.dir, { recursive: true, force: true });
});

test('first start generates and prints the admin password and the enrolment key (kept 0600); a restart keeps them', async (c) => {
  const env = { SIMPUL_DATA_DIR: c.dir, SIMPUL_PORT: '0' };
  const first = await startHubProcess(env);
  c.procs.push(first);
  const pw = /admin login \(shown once\): admin \/ (\S+)/.exec(first.output())?.[1];
  const key = /enrolment key: (sme_\S+) \(generated now\)/.exec(first.output())?.[1];
  assert.ok(pw, first.output());
  assert.ok(key, first.output());
  const keyFile = path.join(c.dir, 'enrollment-key');
  assert.is(readFileSync(keyFile, 'utf8').trim(), key);
  assert.is(statSync(keyFile).mode & 0o777, 0o600);
  await login(first.url, 'admin', pw!);
  await register(first.url, key!, 'r');
  first.proc.kill('SIGTERM');
  assert.is(await first.exited, 0);

  const second = await startHubProcess(env);
  c.procs.push(second);
  assert.not.match(second.output(), 'shown once');
  assert.match(second.output(), `enrolment key: ${key}`);
  assert.not.match(second.output(), 'generated now');
  await login(second.url, 'admin', pw!);
  await register(second.url, key!, 'r2');
  second.proc.kill('SIGTERM');
  assert.is(await second.exited, 0);
});

test("started without the hub's Node flags it names them; `npm run hub` and the systemd unit pass them", async (c) => {
  const scripts = JSON.parse(readFileSync(path.join(import.meta.dirname, '../../package.json'), 'utf8')).scripts;
  const unit = readFileSync(path.join(import.meta.dirname, '../../deploy/systemd/simpul-hub.service'), 'utf8');
  const execStart = /^ExecStart=(.*)$/m.exec(unit)?.[1] ?? '';
  for (const flag of HUB_NODE_FLAGS) {
    assert.ok(scripts.hub.split(' ').includes(flag), `npm run hub lacks ${flag}`);
    assert.ok(execStart.split(' ').includes(flag), `the systemd unit lacks ${flag}`);
  }
  const env = { SIMPUL_DATA_DIR: c.dir, SIMPUL_PORT: '0' };
  const bare = await startHubProcess(env, 30_000, []);
  c.procs.push(bare);
  await waitFor('the warning', () => bare.output().includes("without the hub's flags"));
  assert.match(bare.output(), '--no-memory-reducer');
  bare.proc.kill('SIGTERM');
  assert.is(await bare.exited, 0);
  const flagged = await startHubProcess(env);
  c.procs.push(flagged);
  flagged.proc.kill('SIGTERM');
  assert.is(await flagged.exited, 0);
  assert.not.match(flagged.output(), "without the hub's flags");
});

test('a port in use: the hub says so and what to do, exit 1, no stack trace', async (c) => {
  const first = await startHubProcess({ SIMPUL_DATA_DIR: c.dir, SIMPUL_PORT: '0' });
  c.procs.push(first);
  const port = new URL(first.url).port;
  const e = await startHubProcess({ SIMPUL_DATA_DIR: tempDir(), SIMPUL_PORT: port }).catch((x: Error) => x);
  assert.instance(e, Error);
  assert.match((e as Error).message, /hub exited with 1 before starting/);
  assert.match(
    (e as Error).message,
    new RegExp(
      `hub failed to start: port ${port} on 127\\.0\\.0\\.1 is in use by another program \\(or another Simpul hub\\)\\. Stop that program, or choose another port: SIMPUL_PORT=`,
    ),
  );
  assert.not.match((e as Error).message, /at Server\./, 'no stack trace');
});

test('SIGTERM answers parked long-polls empty and exits 0', async (c) => {
  const hub = await startHubProcess({
    SIMPUL_DATA_DIR: c.dir,
    SIMPUL_PORT: '0',
    SIMPUL_ENROLLMENT_KEY: 'key-12345678',
    SIMPUL_ADMIN_PASSWORD: 'pw',
  });
  c.procs.push(hub);
  const { token } = await login(hub.url, 'admin', 'pw');
  const r = await register(hub.url, 'key-12345678', 'poller', ['d']);
  const parked = call(hub.url, 'GET', `/api/v1/tasks?runner_id=${r.runner_id}&wait=60`, { token: r.token });
  await waitFor(
    'poll parked',
    async () => (await call(hub.url, 'GET', `/api/v1/runners/${r.runner_id}`, { token })).body.transport === 'polling',
  );
  hub.proc.kill('SIGTERM');
  const reply = await parked;
  assert.is(reply.status, 200);
  assert.equal(reply.body, { tasks: [] });
  assert.is(await hub.exited, 0);
});

test('SIGKILL and restart lose no task and no stored result; the holder keeps its lease', async (c) => {
  const env = {
    SIMPUL_DATA_DIR: c.dir,
    SIMPUL_PORT: '0',
    SIMPUL_ENROLLMENT_KEY: 'key-12345678',
    SIMPUL_ADMIN_PASSWORD: 'pw',
    SIMPUL_LEASE_TTL_S: '5',
    SIMPUL_HEARTBEAT_S: '1',
  };
  const first = await startHubProcess(env);
  c.procs.push(first);
  const { token } = await login(first.url, 'admin', 'pw');
  const r = await register(first.url, 'key-12345678', 'worker', ['d']);
  const done = await call(first.url, 'POST', '/api/v1/tasks', { token, body: { op: 100, params: { dataset: 'd' } } });
  const [o1] = (await call(first.url, 'GET', `/api/v1/tasks?runner_id=${r.runner_id}`, { token: r.token })).body.tasks;
  await call(first.url, 'POST', '/api/v1/result', {
    token: r.token,
    body: { task_id: o1.task_id, lease_token: o1.lease_token, status: 'succeeded', result: rowsResult(2) },
  });
  const inflight = await call(first.url, 'POST', '/api/v1/tasks', {
    token,
    body: { op: 100, params: { dataset: 'd' } },
  });
  const [o2] = (await call(first.url, 'GET', `/api/v1/tasks?runner_id=${r.runner_id}`, { token: r.token })).body.tasks;
  const queued = await call(first.url, 'POST', '/api/v1/tasks', {
    token,
    body: { op: 100, params: { dataset: 'nobody' } },
  });
  first.proc.kill('SIGKILL');
  await first.exited;

  const port = new URL(first.url).port;
  const second = await startHubProcess({ ...env, SIMPUL_PORT: port });
  c.procs.push(second);
  const token2 = (await login(second.url, 'admin', 'pw')).token;
  const stored = await call(second.url, 'GET', `/api/v1/result/${done.body.task_id}`, { token: token2 });
  assert.equal(stored.body.result, rowsResult(2));
  assert.is(
    (await call(second.url, 'GET', `/api/v1/tasks/${queued.body.task_id}`, { token: token2 })).body.status,
    'queued',
  );
  // The runner comes back with the lease it holds: keep, then it finishes the task.
  const ping = await call(second.url, 'POST', '/api/v1/ping', {
    token: r.token,
    body: { runner_id: r.runner_id, leases: [{ task_id: o2.task_id, lease_token: o2.lease_token }] },
  });
  assert.equal(ping.body.keep, [inflight.body.task_id]);
  const res = await call(second.url, 'POST', '/api/v1/result', {
    token: r.token,
    body: { task_id: o2.task_id, lease_token: o2.lease_token, status: 'succeeded', result: rowsResult(1) },
  });
  assert.equal(res.body, { ok: true, stored: true });
  const view = await call(second.url, 'GET', `/api/v1/tasks/${inflight.body.task_id}`, { token: token2 });
  assert.is(view.body.status, 'succeeded');
  assert.is(view.body.attempt, 1, 'no retry was needed');
  second.proc.kill('SIGTERM');
  assert.is(await second.exited, 0);
});

test.run();
