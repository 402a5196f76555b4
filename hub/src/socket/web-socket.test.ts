import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { RunnerView, TaskView } from '@simpul/protocol';
import { addUser, startTestHub, waitFor, type TestHub } from '../testing/support.ts';
import { call, login, register } from '../testing/http.ts';
import { connectRunner, connectWeb, runnerAuth, type ConnectError, type WebClient } from '../testing/sockets.ts';

interface Ctx {
  hub: TestHub;
  admin: { token: string; cookie: string };
  sockets: { close(): void }[];
}
const test = suite<Ctx>('socket /web', {} as Ctx);
test.before(async (c) => {
  c.hub = await startTestHub({ SIMPUL_HEARTBEAT_S: '1' });
  c.admin = await login(c.hub.url, 'admin', 'admin-password');
  c.sockets = [];
});
test.after(async (c) => {
  for (const s of c.sockets) s.close();
  await c.hub.cleanup();
});

function record(socket: WebClient) {
  const tasks: TaskView[] = [];
  const runners: RunnerView[] = [];
  socket.on('task:update', (t) => tasks.push(TaskView.parse(t)));
  socket.on('runner:update', (r) => runners.push(RunnerView.parse(r)));
  return { tasks, runners };
}

test('refused without a valid session, or with a cookie from another origin', async ({ hub, admin }) => {
  const none = await connectWeb(hub.url, {}).catch((e: ConnectError) => e);
  assert.is((none as ConnectError).data?.code, 'unauthorized');
  const forged = await connectWeb(hub.url, { token: 'sms_forged' }).catch((e: ConnectError) => e);
  assert.is((forged as ConnectError).data?.code, 'unauthorized');
  const cross = await connectWeb(hub.url, { headers: { cookie: admin.cookie, origin: 'http://evil.example' } }).catch(
    (e: ConnectError) => e,
  );
  assert.is((cross as ConnectError).data?.code, 'forbidden');
});

test('live task updates go to the creator and admins; runner updates to everyone', async (c) => {
  await addUser(c.hub.ctx, 'ana');
  await addUser(c.hub.ctx, 'bob');
  const ana = await login(c.hub.url, 'ana', 'ana-password');
  const bob = await login(c.hub.url, 'bob', 'bob-password');
  const adminWs = await connectWeb(c.hub.url, { headers: { cookie: c.admin.cookie, origin: c.hub.url } });
  const anaWs = await connectWeb(c.hub.url, { token: ana.token });
  const bobWs = await connectWeb(c.hub.url, { token: bob.token });
  c.sockets.push(adminWs, anaWs, bobWs);
  const seen = { admin: record(adminWs), ana: record(anaWs), bob: record(bobWs) };

  const created = await call(c.hub.url, 'POST', '/api/v1/tasks', {
    token: ana.token,
    body: { op: 100, params: { dataset: 'live' } },
  });
  await waitFor('ana sees her task', () => seen.ana.tasks.find((t) => t.task_id === created.body.task_id));
  await waitFor('admin sees it', () => seen.admin.tasks.find((t) => t.task_id === created.body.task_id));

  const reg = await register(c.hub.url, 'test-enrollment-key', 'live-runner', ['live']);
  const runner = await connectRunner(c.hub.url, runnerAuth(reg));
  c.sockets.push(runner);
  runner.on('task:offer', (_o, ack) => ack(true));
  await runner.emitWithAck('runner:hello', { runner_id: reg.runner_id, leases: [] });
  await waitFor('bob sees the runner come online', () =>
    seen.bob.runners.find((r) => r.runner_id === reg.runner_id && r.online),
  );
  await waitFor('ana sees her task leased', () =>
    seen.ana.tasks.find((t) => t.task_id === created.body.task_id && t.status === 'leased'),
  );
  await waitFor('the runner shows busy', () =>
    seen.admin.runners.find((r) => r.runner_id === reg.runner_id && r.status === 'busy'),
  );

  runner.close();
  await waitFor('everyone sees it go offline', () =>
    seen.bob.runners.find((r) => r.runner_id === reg.runner_id && !r.online),
  );
  assert.not.ok(
    seen.bob.tasks.find((t) => t.task_id === created.body.task_id),
    'bob never saw ana’s task',
  );
});

test.run();
