import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { rowsResult, DIALECTS, startTestHub, waitFor } from './testing/support.ts';
import { call, login, register } from './testing/http.ts';
import { collectOffers, connectRunner, runnerAuth } from './testing/sockets.ts';

for (const dialect of DIALECTS) {
  const test = suite(`createHub (${dialect})`);

  test('a task travels web → hub → runner (socket push) → hub → web, and again by polling', async () => {
    const hub = await startTestHub({}, dialect);
    try {
      assert.is(hub.ctx.kind, dialect);
      assert.ok(hub.port > 0);
      assert.is(hub.url, `http://127.0.0.1:${hub.port}`);
      const { token } = await login(hub.url, 'admin', 'admin-password');
      const reg = await register(hub.url, 'test-enrollment-key', 'r', ['weather']);
      const socket = await connectRunner(hub.url, runnerAuth(reg));
      const offers = collectOffers(socket);
      await socket.emitWithAck('runner:hello', { runner_id: reg.runner_id, leases: [] });
      const created = await call(hub.url, 'POST', '/api/v1/tasks', {
        token,
        body: { op: 100, params: { dataset: 'weather' } },
      });
      const offer = await waitFor('pushed offer', () => offers[0]);
      assert.is(offer.task_id, created.body.task_id);
      await socket.emitWithAck('task:result', {
        task_id: offer.task_id,
        lease_token: offer.lease_token,
        status: 'succeeded',
        result: rowsResult(2),
      });
      const view = await call(hub.url, 'GET', `/api/v1/result/${offer.task_id}`, { token });
      assert.equal(view.body.result, rowsResult(2));
      socket.close();

      const poller = await register(hub.url, 'test-enrollment-key', 'p', ['weather']);
      const second = await call(hub.url, 'POST', '/api/v1/tasks', {
        token,
        body: { op: 100, runner_id: poller.runner_id, params: { dataset: 'weather' } },
      });
      const claimed = await call(hub.url, 'GET', `/api/v1/tasks?runner_id=${poller.runner_id}&wait=5`, {
        token: poller.token,
      });
      assert.is(claimed.body.tasks[0].task_id, second.body.task_id);
    } finally {
      await hub.cleanup();
    }
  });

  test.run();
}
