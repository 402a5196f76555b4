// Idle runners cost nothing: a heartbeat over a live socket is answered from memory, last_seen is written at most every
// SIMPUL_LAST_SEEN_WRITE_S, and whoever reads last_seen (runner views, other hubs, the web's watch) still tells online
// from offline. The queue-level part uses explicit clocks; the socket part a real hub and a real Socket.IO client.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { PingReply } from '@simpul/protocol';
import { ping } from '../queue/leases.ts';
import { runnerViews } from '../store/runner-status.ts';
import { getRunner, runnersLastSeenBetween } from '../store/runners.ts';
import { seenWindowMs } from '../store/views.ts';
import { call, login, register } from '../testing/http.ts';
import { collectOffers, connectRunner, runnerAuth } from '../testing/sockets.ts';
import { addRunner, DIALECTS, openTestDb, startTestHub, waitFor } from '../testing/support.ts';

const lastSeen = async (db: Parameters<typeof getRunner>[0], id: string) => (await getRunner(db, id))!.last_seen;

for (const dialect of DIALECTS) {
  const test = suite(`idle heartbeats from memory (${dialect})`);

  test('an idle heartbeat writes no row; last_seen moves at most a write interval late; silence is seen offline', async () => {
    const t = await openTestDb(dialect, { SIMPUL_HEARTBEAT_S: '5', SIMPUL_LAST_SEEN_WRITE_S: '60' });
    try {
      const { ctx } = t;
      const { row } = await addRunner(ctx, 'idle', ['d']);
      const t0 = Date.now();
      // Hello (no socket state: the full path) writes last_seen and transport.
      const hello = await ping(ctx, row, { runner_id: row.id, leases: [] }, 'websocket', t0);
      assert.is(await lastSeen(ctx.db, row.id), t0);
      const seen = { seenWrittenAt: t0 };
      let current = hello.runner;

      // Heartbeats every 5 s for 55 s: answered from memory, the row keeps the hello's time.
      for (let s = 5; s < 60; s += 5) {
        const out = await ping(ctx, current, { runner_id: row.id, leases: [] }, 'websocket', t0 + s * 1000, seen);
        assert.ok(PingReply.safeParse(out.reply).success);
        assert.equal(out.reply.cancel, []);
        current = out.runner;
        assert.is(await lastSeen(ctx.db, row.id), t0, `no write at ${s} s`);
      }
      // Seen from another hub (no socket here) it is online all along: its transport says it is on a socket.
      const stored = (await getRunner(ctx.db, row.id))!;
      assert.is(stored.transport, 'websocket');
      const other = { has: () => false, heard: () => {} };
      const [view55] = await runnerViews(ctx.db, other, ctx.config, [stored], t0 + 55_000);
      assert.ok(view55.online, 'online from last_seen that is 55 s old');

      // The first heartbeat a write interval after the last write writes last_seen (batched with others).
      await ping(ctx, current, { runner_id: row.id, leases: [] }, 'websocket', t0 + 60_000, seen);
      assert.is(await lastSeen(ctx.db, row.id), t0 + 60_000);

      // Then the runner goes silent: after the socket window it is offline, and the web's watch reports it once.
      const last = (await getRunner(ctx.db, row.id))!;
      const window = seenWindowMs('websocket', ctx.config);
      const [stillOn] = await runnerViews(ctx.db, other, ctx.config, [last], t0 + 60_000 + window);
      assert.ok(stillOn.online);
      const [off] = await runnerViews(ctx.db, other, ctx.config, [last], t0 + 60_000 + window + 1);
      assert.not.ok(off.online, 'silent past the window: offline');
      const gone = await runnersLastSeenBetween(ctx.db, t0 + 60_000 + window - 500, t0 + 60_000 + window + 500, (tr) =>
        seenWindowMs(tr, ctx.config),
      );
      assert.equal(
        gone.map((g) => g.id),
        [row.id],
      );
      // Without a socket (transport cleared on disconnect) the short window applies: offline much sooner.
      await ctx.db.updateTable('runners').set({ transport: null }).where('id', '=', row.id).execute();
      const dropped = (await getRunner(ctx.db, row.id))!;
      const [offSooner] = await runnerViews(ctx.db, other, ctx.config, [dropped], t0 + 60_000 + 13_000);
      assert.not.ok(offSooner.online);
    } finally {
      await t.close();
    }
  });

  test('a runner without a socket (HTTP pings) still writes last_seen at every ping', async () => {
    const t = await openTestDb(dialect, { SIMPUL_LAST_SEEN_WRITE_S: '60' });
    try {
      const { ctx } = t;
      const { row } = await addRunner(ctx, 'http', ['d']);
      const t0 = Date.now();
      let current = (await ping(ctx, row, { runner_id: row.id, leases: [] }, 'polling', t0)).runner;
      for (const s of [5, 10]) {
        current = (await ping(ctx, current, { runner_id: row.id, leases: [] }, 'polling', t0 + s * 1000)).runner;
        assert.is(await lastSeen(ctx.db, row.id), t0 + s * 1000);
      }
    } finally {
      await t.close();
    }
  });

  test.run();
}

const e2e = suite('idle heartbeats over a real socket');

e2e('pings over the socket leave last_seen alone, the runner shows online; it shows offline once it goes', async () => {
  const hub = await startTestHub({ SIMPUL_HEARTBEAT_S: '1', SIMPUL_LAST_SEEN_WRITE_S: '3600' });
  try {
    const admin = (await login(hub.url, 'admin', 'admin-password')).token;
    const reg = await register(hub.url, 'test-enrollment-key', 'quiet', ['q']);
    const socket = await connectRunner(hub.url, runnerAuth(reg));
    try {
      const hello = PingReply.parse(
        await socket.emitWithAck('runner:hello', { runner_id: reg.runner_id, leases: [], concurrency: 1 } as never),
      );
      assert.ok(hello.ok);
      const afterHello = await lastSeen(hub.db, reg.runner_id);
      for (let i = 0; i < 5; i++) {
        const reply = PingReply.parse(
          await socket.emitWithAck('runner:ping', { runner_id: reg.runner_id, leases: [] } as never),
        );
        assert.equal(reply.cancel, []);
      }
      assert.is(await lastSeen(hub.db, reg.runner_id), afterHello, 'idle pings wrote no last_seen');
      const view = await call(hub.url, 'GET', `/api/v1/runners/${reg.runner_id}`, { token: admin });
      assert.is(view.body.online, true);
      assert.is(view.body.transport, 'websocket');
    } finally {
      socket.close();
    }
    // Gone: the transport is cleared and last_seen is old, so the runner is offline (within two heartbeats + slack).
    await waitFor(
      'the runner to show offline',
      async () =>
        (await call(hub.url, 'GET', `/api/v1/runners/${reg.runner_id}`, { token: admin })).body.online === false,
      30_000,
      100,
    );
  } finally {
    await hub.cleanup();
  }
});

e2e(
  'over a socket the reply tells the idle interval (not over HTTP); the sweep writes last_seen without a heartbeat',
  async () => {
    const hub = await startTestHub({
      SIMPUL_HEARTBEAT_S: '1',
      SIMPUL_LAST_SEEN_WRITE_S: '1',
      SIMPUL_IDLE_HEARTBEAT_S: '30',
    });
    try {
      const reg = await register(hub.url, 'test-enrollment-key', 'sleepy', ['s']);
      const socket = await connectRunner(hub.url, runnerAuth(reg));
      try {
        const hello = PingReply.parse(
          await socket.emitWithAck('runner:hello', { runner_id: reg.runner_id, leases: [], concurrency: 1 } as never),
        );
        assert.is(hello.idle_heartbeat_interval_s, 30);
        assert.is(hello.heartbeat_interval_s, 1);
        const afterHello = (await lastSeen(hub.db, reg.runner_id))!;
        // No heartbeat at all: the hub's sweep writes last_seen of the runners on its sockets.
        await waitFor(
          'the sweep to write last_seen',
          async () => ((await lastSeen(hub.db, reg.runner_id)) ?? 0) > afterHello,
          30_000,
          100,
        );
        // A runner without a socket on this hub (HTTP ping and long-poll) keeps the usual interval.
        const other = await register(hub.url, 'test-enrollment-key', 'polling', ['p']);
        const http = await call(hub.url, 'POST', '/api/v1/ping', {
          token: other.token,
          body: { runner_id: other.runner_id, leases: [] },
        });
        assert.is(http.status, 200);
        assert.is(PingReply.parse(http.body).idle_heartbeat_interval_s, undefined);
      } finally {
        socket.close();
      }
    } finally {
      await hub.cleanup();
    }
  },
);

e2e(
  'a quiet runner (no lease, on the idle interval) is still offered work long after a short heartbeat window',
  async () => {
    // Busy runners count as frozen after two heartbeats + 2 s of silence (2.4 s here); a quiet one speaks only through
    // Engine.IO's pong (every 40 s), so the dispatcher must not hold that silence against it.
    const hub = await startTestHub({ SIMPUL_HEARTBEAT_S: '0.2' });
    try {
      const admin = (await login(hub.url, 'admin', 'admin-password')).token;
      const reg = await register(hub.url, 'test-enrollment-key', 'quiet-worker', ['quiet']);
      const socket = await connectRunner(hub.url, runnerAuth(reg));
      try {
        const offers = collectOffers(socket);
        const hello = PingReply.parse(
          await socket.emitWithAck('runner:hello', { runner_id: reg.runner_id, leases: [], concurrency: 1 } as never),
        );
        assert.is(hello.idle_heartbeat_interval_s, 900); // the hub's default
        await new Promise((r) => setTimeout(r, 3500)); // silent for longer than the busy window
        const created = await call(hub.url, 'POST', '/api/v1/tasks', {
          token: admin,
          body: { op: 100, params: { dataset: 'quiet' } },
        });
        assert.is(created.status, 201, JSON.stringify(created.body));
        await waitFor('the task to be offered to the quiet runner', async () => offers.length === 1, 20_000, 50);
        assert.is(offers[0].task_id, created.body.task_id);
      } finally {
        socket.close();
      }
    } finally {
      await hub.cleanup();
    }
  },
);

e2e('with every heartbeat writing last_seen (SIMPUL_LAST_SEEN_WRITE_S=0) no idle interval is told', async () => {
  const hub = await startTestHub({ SIMPUL_LAST_SEEN_WRITE_S: '0' });
  try {
    const reg = await register(hub.url, 'test-enrollment-key', 'eager', ['e']);
    const socket = await connectRunner(hub.url, runnerAuth(reg));
    try {
      const hello = PingReply.parse(
        await socket.emitWithAck('runner:hello', { runner_id: reg.runner_id, leases: [], concurrency: 1 } as never),
      );
      assert.is(hello.idle_heartbeat_interval_s, undefined);
    } finally {
      socket.close();
    }
  } finally {
    await hub.cleanup();
  }
});

e2e('the socket ping interval is SIMPUL_SOCKET_PING_S, and a quiet runner stays heard while it answers', async () => {
  const hub = await startTestHub({ SIMPUL_SOCKET_PING_S: '1', SIMPUL_HEARTBEAT_S: '0.2' });
  try {
    const admin = (await login(hub.url, 'admin', 'admin-password')).token;
    const reg = await register(hub.url, 'test-enrollment-key', 'pinged', ['pinged']);
    const socket = await connectRunner(hub.url, runnerAuth(reg));
    try {
      let pings = 0;
      socket.io.engine.on('ping', () => pings++);
      const offers = collectOffers(socket);
      await socket.emitWithAck('runner:hello', { runner_id: reg.runner_id, leases: [], concurrency: 1 } as never);
      // Silent (no heartbeat) for well past the busy window but answering pings: still offered work.
      await new Promise((r) => setTimeout(r, 2500));
      assert.ok(pings >= 1 && pings <= 3, `${pings} pings in 2.5 s, at 1 s apart`);
      const created = await call(hub.url, 'POST', '/api/v1/tasks', {
        token: admin,
        body: { op: 100, params: { dataset: 'pinged' } },
      });
      assert.is(created.status, 201, JSON.stringify(created.body));
      await waitFor('the task to be offered', async () => offers.length === 1, 20_000, 50);
    } finally {
      socket.close();
    }
  } finally {
    await hub.cleanup();
  }
});

e2e.run();
