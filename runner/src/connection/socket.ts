// The push channel: a Socket.IO client on the hub's /runner namespace, websocket transport only.
import {
  ClaimReply,
  ErrorBody,
  ErrorInfo,
  type HubToRunnerEvents,
  PingReply,
  type PingRequestInput,
  PROTOCOL_VERSION,
  ProgressReply,
  ReleaseReply,
  type ReleaseRequest,
  ResultBatchReply,
  ResultReply,
  type ResultPost,
  RUNNER_NAMESPACE,
  type RunnerHandshake,
  type RunnerToHubEvents,
  TaskCancel,
  TaskOffer,
  type TaskProgress,
} from '@simpul/protocol';
import { io, type Socket } from 'socket.io-client';
import type { z } from 'zod';
import { HubError, NetworkError, errorMessage } from '../errors.ts';
import type { Logger } from '../log.ts';
import { socketTlsOptions } from '../tls.ts';

const ACK_TIMEOUT_MS = 10_000;
const RESULT_ACK_TIMEOUT_MS = 60_000;

/** HTTP statuses for error codes that arrive in acks, so that callers treat both paths alike. */
const STATUS: Record<string, number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  stale_lease: 409,
  protocol_mismatch: 400,
  payload_too_large: 413,
  rate_limited: 429,
  unavailable: 503,
  internal: 500,
};

const hubError = ({ error }: ErrorBody): HubError =>
  new HubError(STATUS[error.code] ?? 400, error.code, error.message, error.details);

export interface SocketEvents {
  connected(): void;
  disconnected(reason: string): void;
  /** The hub refused the handshake (bad token, protocol mismatch, …): it will not be retried automatically. */
  refused(info: ErrorInfo): void;
  /** The hub could not be reached; Socket.IO keeps retrying with backoff. */
  unreachable(message: string): void;
  offer(offer: TaskOffer): boolean;
  cancel(msg: TaskCancel): void;
  revoked(info: ErrorInfo): void;
}

export class SocketChannel {
  private readonly socket: Socket<HubToRunnerEvents, RunnerToHubEvents>;

  constructor(hub: string, auth: { runner_id: string; token: string }, events: SocketEvents, log: Logger) {
    const handshake: RunnerHandshake = { ...auth, protocol_version: PROTOCOL_VERSION };
    this.socket = io(`${hub}${RUNNER_NAMESPACE}`, {
      transports: ['websocket'], // no HTTP polling inside Socket.IO: no sticky sessions needed between several hubs
      auth: handshake,
      reconnection: true,
      reconnectionAttempts: Infinity,
      reconnectionDelay: 1000,
      // Capped well below the hub's default lease TTL, so held tasks survive a hub restart, and short, so that a fleet
      // is back within seconds of the hub: a refused attempt costs a hub that is down nothing, and at the cap a fleet's
      // attempts are spread over 2.5–5 s (the hub queues up to net.core.somaxconn connections meanwhile).
      reconnectionDelayMax: 5000,
      randomizationFactor: 0.5, // jittered
      timeout: 10_000,
      autoConnect: false,
      ...socketTlsOptions(), // the CAs of --ca-file, as for fetch
    });
    const s = this.socket;
    s.on('connect', () => events.connected());
    s.on('disconnect', (reason) => events.disconnected(reason));
    s.on('connect_error', (err) => {
      // Socket.IO retries transport failures by itself (socket.active); a refusal by the hub's middleware it does not.
      if (s.active) return events.unreachable(errorMessage(err));
      const data = ErrorInfo.safeParse((err as Error & { data?: unknown }).data);
      events.refused(data.success ? data.data : { code: 'refused', message: errorMessage(err) });
    });
    s.on('task:offer', (raw, ack) => {
      const offer = TaskOffer.safeParse(raw);
      if (!offer.success) {
        log.warn('task offer does not parse; refused', { error: offer.error.issues[0]?.message });
        if (typeof ack === 'function') ack(false);
        return;
      }
      const taken = events.offer(offer.data);
      if (typeof ack === 'function') ack(taken);
    });
    s.on('task:offers', (raw, ack) => {
      const offers = Array.isArray(raw) ? raw.map((o) => TaskOffer.safeParse(o)) : [];
      if (offers.some((o) => !o.success)) log.warn('a task offer does not parse; refused');
      const taken = offers.map((o) => o.success && events.offer(o.data));
      if (typeof ack === 'function') ack(taken);
    });
    s.on('task:cancel', (raw) => {
      const msg = TaskCancel.safeParse(raw);
      if (msg.success) events.cancel(msg.data);
      else log.warn('task cancel does not parse; ignored');
    });
    s.on('runner:revoked', (raw) => {
      const info = ErrorInfo.safeParse(raw);
      events.revoked(info.success ? info.data : { code: 'unauthorized', message: 'the runner token was revoked' });
    });
  }

  /** A rotated token: used from the next (re)connection on; the live connection was authenticated already. */
  setToken(token: string): void {
    this.socket.auth = { ...(this.socket.auth as RunnerHandshake), token };
  }

  get connected(): boolean {
    return this.socket.connected;
  }

  connect(): void {
    this.socket.connect();
  }

  close(): void {
    this.socket.removeAllListeners();
    this.socket.disconnect();
  }

  hello(msg: PingRequestInput): Promise<PingReply> {
    return this.ask(PingReply, () => this.socket.timeout(ACK_TIMEOUT_MS).emitWithAck('runner:hello', msg));
  }

  ping(msg: PingRequestInput): Promise<PingReply> {
    return this.ask(PingReply, () => this.socket.timeout(ACK_TIMEOUT_MS).emitWithAck('runner:ping', msg));
  }

  claim(limit: number): Promise<ClaimReply> {
    return this.ask(ClaimReply, () => this.socket.timeout(ACK_TIMEOUT_MS).emitWithAck('task:claim', { limit }));
  }

  progress(msg: TaskProgress): Promise<ProgressReply> {
    return this.ask(ProgressReply, () => this.socket.timeout(ACK_TIMEOUT_MS).emitWithAck('task:progress', msg));
  }

  result(msg: ResultPost): Promise<ResultReply> {
    return this.ask(ResultReply, () => this.socket.timeout(RESULT_ACK_TIMEOUT_MS).emitWithAck('task:result', msg));
  }

  /** Several final reports in one `task:results` message: the hub's answer to each, in order (an error as a HubError). */
  async results(msgs: ResultPost[]): Promise<(ResultReply | HubError)[]> {
    const replies = await this.ask(ResultBatchReply, () =>
      this.socket.timeout(RESULT_ACK_TIMEOUT_MS).emitWithAck('task:results', msgs),
    );
    if (replies.length !== msgs.length) throw new NetworkError('socket: task:results answered a different number');
    return replies.map((r) => ('error' in r ? hubError(r) : r));
  }

  release(msg: ReleaseRequest): Promise<ReleaseReply> {
    return this.ask(ReleaseReply, () => this.socket.timeout(ACK_TIMEOUT_MS).emitWithAck('task:release', msg));
  }

  /** Send and wait for the ack; a timeout or a dead socket is a NetworkError (the caller may retry over HTTP). */
  private async ask<S extends z.ZodType>(schema: S, send: () => Promise<unknown>): Promise<z.infer<S>> {
    if (!this.socket.connected) throw new NetworkError('socket not connected');
    let reply: unknown;
    try {
      reply = await send();
    } catch (e) {
      throw new NetworkError(`socket: ${errorMessage(e)}`, { cause: e });
    }
    const err = ErrorBody.safeParse(reply);
    if (err.success) throw hubError(err.data);
    const parsed = schema.safeParse(reply);
    if (!parsed.success)
      throw new NetworkError(
        `socket: the ack does not match the protocol: ${parsed.error.issues[0]?.message ?? 'unknown'}`,
      );
    return parsed.data;
  }
}
