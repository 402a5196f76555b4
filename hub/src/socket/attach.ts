// Socket.IO on the hub's HTTP server (same port): the /runner and /web namespaces and the push dispatcher.
import type { Server as HttpServer } from 'node:http';
import { Server } from 'socket.io';
import {
  type HubToRunnerEvents,
  type HubToWebEvents,
  RUNNER_NAMESPACE,
  type RunnerToHubEvents,
  WEB_NAMESPACE,
  type WebToHubEvents,
} from '@simpul/protocol';
import type { HubContext } from '../context.ts';
import { Dispatcher } from './dispatcher.ts';
import { ENGINE_PING_TIMEOUT_MS, type RunnerSocketData, type RunnerSockets } from './presence.ts';
import { runnerNamespace } from './runner-namespace.ts';
import { sweepLastSeen } from './seen-sweep.ts';
import { webNamespace, type WebSocketData } from './web-namespace.ts';

/** The hub's Socket.IO server, typed with the events and socket data of both its namespaces (/runner and /web): each
 *  namespace's handlers take it as their own narrower Namespace type. */
export type HubIo = Server<
  RunnerToHubEvents & WebToHubEvents,
  HubToRunnerEvents & HubToWebEvents,
  Record<string, never>,
  RunnerSocketData & WebSocketData
>;

export interface Sockets {
  io: HubIo;
  dispatcher: Dispatcher;
  close(): Promise<void>;
}

export function attachSockets(server: HttpServer, ctx: HubContext, sockets: RunnerSockets): Sockets {
  const io: HubIo = new Server(server, {
    path: '/socket.io',
    serveClient: false,
    // A result travels in one message: allow the inline limit plus its envelope.
    maxHttpBufferSize: ctx.config.inlineResultMax + 64 * 1024,
    // It finds connections that died without a close (within the sum), and its pong tells that a runner on the idle
    // heartbeat interval is alive (conn.lastHeard). Each ping is a frame out and one in per socket, the main cost of an
    // idle fleet: every 40 s by default, not Socket.IO's 25 s (NAT mappings of established TCP last minutes or more).
    pingInterval: ctx.config.socketPingS * 1000,
    pingTimeout: ENGINE_PING_TIMEOUT_MS,
  });
  const dispatcher = new Dispatcher(ctx, sockets);
  runnerNamespace(io.of(RUNNER_NAMESPACE), ctx, sockets, dispatcher);
  const web = webNamespace(io.of(WEB_NAMESPACE), ctx);
  const stopSweep = sweepLastSeen(ctx, sockets);

  const offAvailable = ctx.events.on('available', (hint) => (hint ? dispatcher.kickFor(hint) : dispatcher.kick()));
  const offFreed = ctx.events.on('freed', (runnerId) => dispatcher.freed(runnerId));
  // SQLite: created tasks go to waiting runners in the create's own transaction (one writer: nothing to contend with).
  if (ctx.kind === 'sqlite') ctx.leaseOnCreate = (trx, rows, now) => dispatcher.leaseNew(trx, rows, now);

  return {
    io,
    dispatcher,
    async close() {
      offAvailable();
      offFreed();
      ctx.leaseOnCreate = undefined;
      stopSweep();
      web.stop();
      await dispatcher.stop();
      await io.close();
    },
  };
}
