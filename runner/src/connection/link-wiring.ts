// How the Link talks with the hub: heartbeats and hellos, the socket's callbacks and the hub's refusals, each turned into an event for the machine
// (link-state.ts) or a fatal stop. link.ts owns the state; these functions only decide what to tell it.
import { EXIT, FatalError, HubError, NetworkError, errorMessage } from '../errors.ts';
import type { PingReply, PingRequestInput, TaskOffer, Transport } from '@simpul/protocol';
import type { Executor } from '../executor.ts';
import type { Logger } from '../log.ts';
import { isRevocation } from '../token-watch.ts';
import type { HubApi } from './hub-api.ts';
import type { LinkOptions } from './link-options.ts';
import type { LinkEvent } from './link-state.ts';
import { exchangePing } from './ping.ts';
import { SocketChannel } from './socket.ts';

type Dispatch = (event: LinkEvent) => Promise<void>[];

export interface SocketWiring {
  dispatch: Dispatch;
  onHubError(e: unknown, during: string): boolean;
  executor(): Executor;
  /** The executor takes a pushed offer (and the machine hears that it holds a lease). */
  accept(offer: TaskOffer): boolean;
  draining(): boolean;
}

/** A socket to `base` whose events reach the machine, offers and cancels the executor. It is not connected yet. */
export function openLinkSocket(
  base: string,
  auth: { runner_id: string; token: string },
  w: SocketWiring,
  log: Logger,
): SocketChannel {
  return new SocketChannel(
    base,
    auth,
    {
      connected: () => void w.dispatch({ type: 'socket-up' }),
      disconnected: (reason) => void w.dispatch({ type: 'socket-down', reason }),
      refused: (info) => {
        if (info.code === 'unauthorized' || info.code === 'protocol_mismatch')
          return void w.onHubError(
            new HubError(info.code === 'unauthorized' ? 401 : 400, info.code, info.message),
            'connect',
          );
        w.dispatch({ type: 'socket-refused', code: info.code, message: info.message });
      },
      unreachable: (message) => void w.dispatch({ type: 'socket-unreachable', message }),
      offer: (offer) => !w.draining() && w.accept(offer),
      cancel: (msg) => w.executor().cancel(msg.task_id, msg.reason || 'canceled by the hub'),
      revoked: (info) =>
        void w.onHubError(new HubError(401, 'unauthorized', info.message, { revoked: true }), 'revoked'),
    },
    log,
  );
}

export interface HubErrorContext {
  dispatch: Dispatch;
  onFatal(error: FatalError): void;
  /** Adopts a token rotate-token wrote to the state file; true when there was one. */
  tokenFromState(): boolean;
  statePath: string;
  log: Logger;
}

/** Errors that retrying will not fix. Returns true when the caller should stop what it was doing. */
export function onHubError(e: unknown, during: string, c: HubErrorContext): boolean {
  // Polling only: a hub that cannot be reached is left for the next one.
  if (e instanceof NetworkError) c.dispatch({ type: 'hub-unreachable', message: e.message });
  if (e instanceof HubError && e.code === 'protocol_mismatch') {
    c.onFatal(new FatalError(EXIT.protocol, `the hub refused this runner: ${e.message}`));
    return true;
  }
  if (e instanceof HubError && e.status === 401) {
    // An admin revoked this runner on purpose: enrolling again behind their back would undo that.
    if (isRevocation(e))
      c.onFatal(
        new FatalError(
          EXIT.auth,
          `${e.message}. This runner stops; an admin must give it a new enrolment key (and delete ${c.statePath}) to bring it back.`,
        ),
      );
    else if (c.tokenFromState()) c.dispatch({ type: 'token-rotated', during });
    else c.dispatch({ type: 'token-refused', why: e.message });
    return true;
  }
  if (!(e instanceof NetworkError))
    c.log.warn(`${during} failed`, {
      error: errorMessage(e),
      ...(e instanceof HubError ? { status: e.status, code: e.code } : {}),
    });
  return false;
}

export interface PingExchange {
  socket: SocketChannel | null;
  api: HubApi;
  message(withDatasets: boolean): PingRequestInput;
  dispatch: Dispatch;
  executor: Executor;
  /** Tells the machine whether the executor holds a lease now (a reply may have dropped some). */
  held(): void;
  onHubError(e: unknown, during: string): boolean;
  log: Logger;
}

/** The heartbeat intervals a reply tells: the usual one, and over a socket the one for a runner holding no lease. */
function intervals(reply: PingReply): { heartbeatS: number; idleHeartbeatS?: number } {
  const idle = reply.idle_heartbeat_interval_s;
  return { heartbeatS: reply.heartbeat_interval_s, ...(idle === undefined ? {} : { idleHeartbeatS: idle }) };
}

/** One heartbeat (ping.ts); the machine hears how it went. */
export async function heartbeat(x: PingExchange, advertise: () => boolean): Promise<void> {
  try {
    const { reply, sent, via } = await exchangePing(x.socket, x.api, (d) => x.message(d), advertise);
    x.dispatch({ type: 'ping-answered', via, ...intervals(reply) });
    x.executor.apply(reply, sent.leases);
    x.held();
  } catch (e) {
    if (e instanceof NetworkError) {
      x.dispatch({ type: 'ping-lost' });
      x.log.debug('heartbeat not delivered', { error: e.message });
    } else x.onHubError(e, 'ping');
  }
}

/** The socket's hello: the heartbeat that opens a socket session. */
export async function hello(x: PingExchange): Promise<void> {
  const s = x.socket;
  if (!s) return;
  try {
    const hello = x.message(true);
    const reply = await s.hello(hello);
    x.executor.apply(reply, hello.leases);
    x.held();
    await Promise.all(x.dispatch({ type: 'hello-answered', ...intervals(reply) }));
  } catch (e) {
    if (e instanceof NetworkError) x.log.warn('hello not answered', { error: e.message });
    else x.onHubError(e, 'hello');
  }
}

/** The line printed once connected: which runner, which hub and how, which datasets it serves. */
export function announcement(
  { config, engine }: Pick<LinkOptions, 'config' | 'engine'>,
  base: string,
  via: Transport,
): string {
  return `simpul-runner ${config.name} connected to ${base} (${via}) serving datasets: ${engine.names().join(', ') || '(none)'}`;
}
