// Results ready in the same turn go to a real hub in one `task:results` message, and each is answered as if sent
// alone: stored, or its own error.
import { PROTOCOL_VERSION, type ResultPost } from '@simpul/protocol';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HubError } from '../errors.ts';
import { silentLogger } from '../log.ts';
import { HubApi } from './hub-api.ts';
import { LinkReporter } from './link-reporter.ts';
import { SocketChannel } from './socket.ts';
import { ENROLLMENT_KEY, Hub, until } from './test-procs.ts';

let hub: Hub;
test.before(async () => {
  hub = await Hub.start();
});
test.after(async () => {
  await hub?.proc.stop();
});

/** The hub's count of one socket event from runners, from its metrics. */
async function eventsIn(event: string): Promise<number> {
  const text = await (await fetch(`${hub.url}/metrics`)).text();
  const line = text
    .split('\n')
    .find((l) => l.startsWith('simpul_socket_events_total{') && l.includes(`event="${event}"`) && l.includes('"in"'));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

test('three results in one turn: one task:results message; stored ones stored, an unknown task its own 404', async () => {
  const api = new HubApi(hub.url);
  const reg = await api.register({
    enrollment_key: ENROLLMENT_KEY,
    name: 'batching',
    datasets: [],
    protocol_version: PROTOCOL_VERSION,
  });
  api.setToken(reg.token);
  let up = false;
  const channel = new SocketChannel(
    hub.url,
    { runner_id: reg.runner_id, token: reg.token },
    {
      connected: () => (up = true),
      disconnected: () => (up = false),
      refused: () => {},
      unreachable: () => {},
      offer: () => false,
      cancel: () => {},
      revoked: () => {},
    },
    silentLogger,
  );
  channel.connect();
  try {
    await until('the socket to connect', () => up);
    const errors: HubError[] = [];
    const reporter = new LinkReporter(
      api,
      () => channel,
      (e) => errors.push(e),
    );
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) {
      const created = await hub.call('POST', '/api/v1/tasks', {
        runner_id: reg.runner_id,
        op: 100,
        params: { dataset: 'nowhere', limit: 1 },
      });
      ids.push(created.task_id);
    }
    const { tasks: offers } = await channel.claim(2);
    assert.equal(offers.map((o) => o.task_id).sort(), [...ids].sort());
    const failure = { code: 'op_failed', message: 'reported in a batch' };
    const posts: ResultPost[] = [
      ...offers.map((o) => ({
        task_id: o.task_id,
        lease_token: o.lease_token,
        status: 'failed' as const,
        error: failure,
      })),
      { task_id: `${ids[0].slice(0, -4)}zzzz`, lease_token: offers[0].lease_token, status: 'failed', error: failure },
    ];
    const before = { batches: await eventsIn('task:results'), single: await eventsIn('task:result') };
    const replies = await Promise.allSettled(posts.map((p) => reporter.result(p)));

    assert.equal(replies[0], { status: 'fulfilled', value: { ok: true, stored: true } });
    assert.equal(replies[1], { status: 'fulfilled', value: { ok: true, stored: true } });
    assert.is(replies[2].status, 'rejected');
    const err = (replies[2] as PromiseRejectedResult).reason;
    assert.instance(err, HubError);
    assert.is((err as HubError).status, 404);
    assert.equal(errors, [], 'no runner-wide error');
    assert.is(await eventsIn('task:results'), before.batches + 1, 'one task:results message');
    assert.is(await eventsIn('task:result'), before.single, 'no task:result message');
    for (const id of ids) {
      const view = await hub.call('GET', `/api/v1/result/${id}`);
      assert.is(view.status, 'failed');
      assert.equal(view.error, failure);
    }
  } finally {
    channel.close();
  }
});

test.run();
