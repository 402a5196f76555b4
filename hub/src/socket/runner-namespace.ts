// Namespace /runner: handshake by runner token, heartbeats, claims, progress, releases and results over the socket.
import type { Namespace } from 'socket.io';
import {
  ClaimRequest,
  PingRequest,
  PROTOCOL_VERSION,
  ReleaseRequest,
  ResultBatch,
  ResultPost,
  RunnerHandshake,
  TaskProgress,
  type ErrorBody,
  type ErrorInfo,
  type HubToRunnerEvents,
  type RunnerToHubEvents,
} from '@simpul/protocol';
import type { z } from 'zod';
import type { HubContext } from '../context.ts';
import { HubError, invalidInput, protocolMismatch, toErrorBody } from '../errors.ts';
import { claim } from '../queue/claim.ts';
import { ping, shortenLeases } from '../queue/leases.ts';
import { progress, release, result } from '../queue/report.ts';
import { findRunnerByToken, setTransport, touchRunner } from '../store/runners.ts';
import { runnerDatasets } from '../store/views.ts';
import type { Dispatcher } from './dispatcher.ts';
import { limitRunnerEvents, runnerEventRates } from './event-limits.ts';
import type { RunnerConn, RunnerSocketData, RunnerSockets } from './presence.ts';

export type RunnerNamespace = Namespace<RunnerToHubEvents, HubToRunnerEvents, Record<string, never>, RunnerSocketData>;

function refusal(info: ErrorInfo): Error {
  return Object.assign(new Error(info.message), { data: info });
}

function parse<S extends z.ZodType>(schema: S, msg: unknown): z.infer<S> {
  const parsed = schema.safeParse(msg);
  if (!parsed.success) throw invalidInput('message does not match the expected shape', parsed.error);
  return parsed.data;
}

export function runnerNamespace(
  nsp: RunnerNamespace,
  ctx: HubContext,
  sockets: RunnerSockets,
  dispatcher: Dispatcher,
): void {
  const scale = ctx.config.security.runnerEventRateScale;
  const rates = scale > 0 ? runnerEventRates(ctx.config.heartbeatS, scale) : undefined;
  nsp.use(async (socket, next) => {
    try {
      if (ctx.closing.aborted)
        return next(refusal({ code: 'unavailable', message: 'the hub is shutting down; reconnect shortly' }));
      const auth = RunnerHandshake.safeParse(socket.handshake.auth);
      if (!auth.success)
        return next(
          refusal({ code: 'unauthorized', message: 'handshake auth must be { token, runner_id, protocol_version }' }),
        );
      if (auth.data.protocol_version !== PROTOCOL_VERSION) {
        const e = protocolMismatch(auth.data.protocol_version, PROTOCOL_VERSION);
        return next(refusal({ code: e.code, message: e.message }));
      }
      const runner = await findRunnerByToken(ctx.db, auth.data.token);
      if (!runner || runner.id !== auth.data.runner_id)
        return next(
          refusal({ code: 'unauthorized', message: 'runner token not valid: register again with an enrolment key' }),
        );
      if (runner.revoked_at !== null)
        return next(
          refusal({ code: 'unauthorized', message: `runner ${runner.id} was revoked`, details: { revoked: true } }),
        );
      socket.data.runner = runner;
      next();
    } catch (err) {
      ctx.log.error('runner handshake failed', { err });
      next(refusal({ code: 'internal', message: 'handshake failed on the hub' }));
    }
  });

  // A runner whose lease ran out while its socket looks open is probably frozen: push nothing until it speaks again (or
  // answers the transport's ping). Not a socket younger than a lease, the reaper's lag and a margin: the lease was renewed
  // last before it connected, by an earlier connection (a runner that restarted, whose new process never held the task).
  const youngMs = ctx.config.leaseTtlS * 1000 + ctx.config.reaperIntervalMs + 5000;
  ctx.events.on('lost', (runnerId) => {
    const conn = sockets.get(runnerId);
    if (conn && Date.now() - conn.connectedAt >= youngMs) conn.refused = true;
  });

  ctx.events.on('cancel', ({ runnerId, taskId, reason }) => {
    nsp.to(`runner:${runnerId}`).emit('task:cancel', { task_id: taskId, reason });
  });

  // Revoked: say why, then cut the socket (on every hub, through the adapter); the handshake refuses it from now on.
  ctx.events.on('revoked', (runnerId, message) => {
    nsp.to(`runner:${runnerId}`).emit('runner:revoked', { code: 'unauthorized', message, details: { revoked: true } });
    nsp.in(`runner:${runnerId}`).disconnectSockets(true);
  });

  nsp.on('connection', (socket) => {
    const runner = socket.data.runner;
    let current = runner; // refreshed by each heartbeat
    const log = ctx.log.child({ runner_id: runner.id });
    if (rates) {
      limitRunnerEvents(socket, log, rates, (dropped) =>
        socket.emit('runner:rate_limited', {
          code: 'rate_limited',
          message: `${dropped} events over the limit within 10 s: disconnected; reconnect and slow down`,
          details: { dropped },
        }),
      );
    }
    const conn: RunnerConn = {
      runnerId: runner.id,
      socket,
      concurrency: 1,
      datasets: runnerDatasets(runner).map((d) => d.name),
      draining: runner.draining === 1,
      ready: false,
      refused: false,
      batchOffers: false,
      lastHeard: Date.now(),
      connectedAt: Date.now(),
      quiet: false,
      seenWrittenAt: 0, // hello writes last_seen; after it, idle heartbeats and the sweep at most every lastSeenWriteS
    };
    const stale = sockets.add(conn);
    if (stale && stale.socket !== socket) stale.socket.disconnect(true);
    void socket.join(`runner:${runner.id}`);
    // The HTTP request that opened the connection is not read after the handshake (socket.handshake holds what was read
    // of it): letting it go saves a few KiB a runner, which a fleet's heap would carry through every garbage collection.
    (socket.conn as unknown as { request: unknown }).request = null;
    // Alive is what the socket says: any event, and Engine.IO's own ping/pong (no database write for either).
    socket.onAny(() => {
      conn.lastHeard = Date.now();
    });
    socket.conn.on('heartbeat', () => {
      conn.lastHeard = Date.now();
      // A runner that answers the ping is not frozen: one that refused or missed an offer or let a lease lapse is offered
      // work again (at most once a ping interval, however often it refuses), even while it holds nothing and is quiet.
      if (conn.refused && conn.ready) {
        conn.refused = false;
        dispatcher.kick(runner.id);
      }
    });
    log.info('runner connected', { transport: 'websocket' });
    // Marked connected at once (its hello writes last_seen); a row that already says so (a reconnect, thousands of them
    // after a hub restart) is left alone.
    if (runner.transport !== 'websocket')
      touchRunner(ctx.db, runner.id, { transport: 'websocket' })
        .then(() => ctx.events.runners([runner.id]))
        .catch((err) => log.error('could not mark runner connected', { err }));
    else ctx.events.runners([runner.id]);

    /** Runs a handler and answers through the ack with its reply or an error body. */
    const answer = <T>(ack: unknown, work: () => Promise<T>) => {
      const reply = typeof ack === 'function' ? (ack as (r: T | ErrorBody) => void) : () => {};
      // A parse error thrown before the work's promise exists must reach the ack too, not crash the process.
      Promise.resolve()
        .then(work)
        .then(reply, (err) => {
          if (!(err instanceof HubError)) log.error('socket handler failed', { err });
          reply(toErrorBody(err).body);
        });
    };

    const heartbeat = (hello: boolean) => (msg: unknown, ack: unknown) =>
      answer(ack, async () => {
        const req = parse(PingRequest, msg);
        if (req.protocol_version !== undefined && req.protocol_version !== PROTOCOL_VERSION)
          throw protocolMismatch(req.protocol_version, PROTOCOL_VERSION);
        const out = await ping(ctx, current, req, 'websocket', Date.now(), hello ? undefined : conn);
        if (hello) conn.seenWrittenAt = Date.now();
        // Holding nothing, it heartbeats at the idle interval: the dispatcher hears it through the transport's ping.
        conn.quiet = req.leases.length === 0 && out.reply.idle_heartbeat_interval_s !== undefined;
        // A round of pushes only when something that decides them changed; most heartbeats say nothing new.
        const newDatasets = hello || out.runner.datasets !== current.datasets;
        const draining = out.runner.draining === 1;
        const changed =
          hello ||
          newDatasets ||
          conn.refused ||
          draining !== conn.draining ||
          (req.concurrency !== undefined && req.concurrency !== conn.concurrency);
        current = out.runner;
        if (newDatasets) conn.datasets = runnerDatasets(out.runner).map((d) => d.name);
        conn.draining = draining;
        if (req.concurrency !== undefined) conn.concurrency = req.concurrency;
        if (hello) conn.batchOffers = req.batch_offers === true;
        conn.refused = false;
        if (hello) conn.ready = true;
        if (changed) dispatcher.kick(runner.id);
        return out.reply;
      });
    socket.on('runner:hello', heartbeat(true));
    socket.on('runner:ping', heartbeat(false));

    socket.on('task:claim', (msg, ack) =>
      answer(ack, async () => {
        const req = parse(ClaimRequest, msg ?? {});
        conn.refused = false;
        const tasks = await claim(ctx, { id: runner.id, datasets: conn.datasets, draining: conn.draining }, req.limit);
        for (const t of tasks)
          log.debug('offer', { task_id: t.task_id, attempt: t.attempt, request_id: t.request_id, via: 'socket claim' });
        return { tasks };
      }),
    );

    socket.on('task:progress', (msg, ack) => answer(ack, () => progress(ctx, runner, parse(TaskProgress, msg))));

    socket.on('task:result', (msg, ack) =>
      answer(ack, async () => {
        const reply = await result(ctx, runner, parse(ResultPost, msg));
        conn.refused = false;
        return reply;
      }),
    );

    // Each report of a batch is judged alone (one bad report fails only its own entry); they share a group commit.
    socket.on('task:results', (msg, ack) =>
      answer(ack, async () => {
        const posts = parse(ResultBatch, msg);
        const replies = await Promise.all(
          posts.map((raw) =>
            Promise.resolve()
              .then(() => result(ctx, runner, parse(ResultPost, raw)))
              .catch((err): ErrorBody => {
                if (!(err instanceof HubError)) log.error('socket handler failed', { err });
                return toErrorBody(err).body;
              }),
          ),
        );
        conn.refused = false;
        return replies;
      }),
    );

    socket.on('task:release', (msg, ack) => answer(ack, () => release(ctx, runner, parse(ReleaseRequest, msg))));

    socket.on('disconnect', (reason) => {
      if (!sockets.remove(conn)) return; // replaced by a newer socket of the same runner
      log.info('runner disconnected', { reason });
      // During a hub shutdown the runners will come back to a hub that extends their leases; do not shorten them.
      if (ctx.closing.aborted) return;
      // Short grace for a quick reconnect + hello; otherwise the reaper re-queues its tasks within seconds.
      shortenLeases(ctx, runner.id, Math.round(ctx.config.heartbeatS * 1000))
        .then(() => (sockets.has(runner.id) ? undefined : setTransport(ctx.db, runner.id, null)))
        .then(() => ctx.events.runners([runner.id]))
        .catch((err) => log.error('could not handle disconnect', { err }));
    });
  });
}
