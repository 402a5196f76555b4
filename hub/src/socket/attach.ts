// Socket.IO on the hub's HTTP server (same port): the /runner and /web namespaces and the push dispatcher.
import type { Server as HttpServer } from 'node:http';
import { Server } from 'socket.io';
import { RUNNER_NAMESPACE, WEB_NAMESPACE } from '@simpul/protocol';
import type { HubContext } from '../context.ts';
import { Dispatcher } from './dispatcher.ts';
import type { RunnerSockets } from './presence.ts';
import { runnerNamespace, type RunnerNamespace } from './runner-namespace.ts';
import { webNamespace, type WebNamespace } from './web-namespace.ts';

export interface Sockets {
  io: Server;
  dispatcher: Dispatcher;
  close(): Promise<void>;
}

export function attachSockets(server: HttpServer, ctx: HubContext, sockets: RunnerSockets): Sockets {
  const io = new Server(server, {
    path: '/socket.io',
    serveClient: false,
    // A result travels in one message: allow the inline limit plus its envelope.
    maxHttpBufferSize: ctx.config.inlineResultMax + 64 * 1024,
    pingInterval: 10_000,
    pingTimeout: 10_000,
  });
  const dispatcher = new Dispatcher(ctx, sockets);
  runnerNamespace(io.of(RUNNER_NAMESPACE) as unknown as RunnerNamespace, ctx, sockets, dispatcher);
  const web = webNamespace(io.of(WEB_NAMESPACE) as unknown as WebNamespace, ctx);

  const offAvailable = ctx.events.on('available', () => dispatcher.kick());
  const offFreed = ctx.events.on('freed', (runnerId) => dispatcher.kick(runnerId));

  return {
    io,
    dispatcher,
    async close() {
      offAvailable();
      offFreed();
      web.stop();
      await dispatcher.stop();
      await io.close();
    },
  };
}
