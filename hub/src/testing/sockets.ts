// socket.io-client helpers for the hub's socket tests.
import { io, type Socket } from 'socket.io-client';
import {
  PROTOCOL_VERSION,
  RUNNER_NAMESPACE,
  WEB_NAMESPACE,
  type HubToRunnerEvents,
  type HubToWebEvents,
  type RunnerToHubEvents,
  type TaskOffer,
} from '@simpul/protocol';

export type RunnerClient = Socket<HubToRunnerEvents, RunnerToHubEvents>;
export type WebClient = Socket<HubToWebEvents, Record<string, never>>;

export interface ConnectError extends Error {
  data?: { code: string; message: string };
}

function connected<S extends Socket<any, any>>(socket: S): Promise<S> {
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (err: ConnectError) => {
      socket.close();
      reject(err);
    });
  });
}

export function connectRunner(url: string, auth: Record<string, unknown>): Promise<RunnerClient> {
  const socket: RunnerClient = io(url + RUNNER_NAMESPACE, {
    transports: ['websocket'],
    reconnection: false,
    auth,
    forceNew: true,
  });
  return connected(socket);
}

export function runnerAuth(reg: { runner_id: string; token: string }) {
  return { runner_id: reg.runner_id, token: reg.token, protocol_version: PROTOCOL_VERSION };
}

export function connectWeb(
  url: string,
  opts: { token?: string; headers?: Record<string, string> },
): Promise<WebClient> {
  const socket: WebClient = io(url + WEB_NAMESPACE, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    auth: opts.token ? { token: opts.token } : {},
    extraHeaders: opts.headers,
  });
  return connected(socket);
}

/** Collects offers; `accept` decides the ack (true, false, or 'silent' to never ack). */
export function collectOffers(
  socket: RunnerClient,
  accept: (o: TaskOffer) => boolean | 'silent' = () => true,
): TaskOffer[] {
  const offers: TaskOffer[] = [];
  socket.on('task:offer', (offer, ack) => {
    offers.push(offer);
    const answer = accept(offer);
    if (answer !== 'silent') ack(answer);
  });
  return offers;
}
