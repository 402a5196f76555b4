// The runner's link to the hub: socket first, HTTP long-poll as fallback, heartbeats, and the Reporter the executor uses.
import {
  type PingReply,
  type PingRequestInput,
  type ProgressReply,
  type ResultPost,
  type ReleaseReply,
  ReleaseRequest,
  ResultReply,
  type TaskProgress,
  type Transport,
} from '@simpul/protocol';
import { backoffMs, sleep } from '../backoff.ts';
import type { RunnerConfig } from '../config.ts';
import type { Engine } from '../engine/engine.ts';
import { EXIT, FatalError, HubError, NetworkError, errorMessage } from '../errors.ts';
import type { Executor, Reporter } from '../executor.ts';
import type { Logger } from '../log.ts';
import type { RunnerState } from '../state.ts';
import { HubApi } from './hub-api.ts';
import { Poller } from './polling.ts';
import { registerAgainRefusal, registerRunner } from './register.ts';
import { SocketChannel } from './socket.ts';
import { SocketClaims } from './socket-claims.ts';
import { pingMessage } from './ping.ts';
import { isRevocation, rotatedToken } from '../token-watch.ts';

export interface LinkOptions {
  config: RunnerConfig;
  state: RunnerState;
  heartbeatS?: number; // the hub's interval, when registration just told it
  engine: Engine;
  log: Logger;
  /** A new identity after re-registration: persist it. */
  onIdentity(state: RunnerState): void;
  /** Something retrying will not fix: the runner should exit with this error. */
  onFatal(error: FatalError): void;
  /** Print the human "connected" line. */
  announce(line: string): void;
}

const DEFAULT_HEARTBEAT_S = 5;
const SOCKET_MESSAGE_MAX = 256 * 1024; // a Socket.IO server drops a connection whose message exceeds its buffer (the hub: inline max + 64 KiB)

export class Link implements Reporter {
  readonly api: HubApi;
  private state: RunnerState;
  private executor!: Executor;
  private socket: SocketChannel | null = null;
  private readonly poller: Poller;
  private heartbeatMs: number;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private refusals = 0;
  private transport: Transport | null = null;
  private draining = false;
  private stopped = false;
  private advertise = true; // send the dataset schemas with the next HTTP ping
  private readonly claims: SocketClaims;
  private reauth: Promise<void> | null = null;
  private reregistrations: number[] = [];
  private unreachableLogged = false;
  private hubIndex = 0; // which of config.hubs this link talks to
  private moves = 0; // hub changes since the last successful connection (backs off when every hub is down)
  private moveTimer: NodeJS.Timeout | null = null;

  constructor(private readonly opts: LinkOptions) {
    this.state = opts.state;
    this.api = new HubApi(opts.config.hub, opts.state.token);
    this.api.onRefused = () => void this.tokenFromState();
    this.heartbeatMs = 1000 * (opts.config.heartbeat_s ?? opts.heartbeatS ?? DEFAULT_HEARTBEAT_S);
    this.poller = new Poller(
      this.api,
      () => this.state.runner_id,
      { free: () => this.executor.free(), accept: (offer, force) => this.executor.accept(offer, force) },
      {
        answered: () => {
          if (!this.socket?.connected) this.setTransport('polling');
        },
        failed: (e) => this.onHubError(e, 'claim'),
      },
      opts.log,
    );
    this.claims = new SocketClaims({
      socket: () => this.socket,
      executor: () => this.executor,
      reserved: () => this.poller.reserved,
      draining: () => this.draining,
      log: opts.log,
      onHubError: (e, during) => void this.onHubError(e, during),
    });
  }

  get runnerId(): string {
    return this.state.runner_id;
  }

  get currentTransport(): Transport | null {
    return this.transport;
  }

  attach(executor: Executor): void {
    this.executor = executor;
    executor.onSlotFree = () => {
      if (this.socket?.connected) this.claims.soon();
      else this.poller.wake();
    };
  }

  start(): void {
    this.stopped = false;
    if (this.opts.config.transport === 'websocket') this.openSocket();
    else {
      void this.beat(); // the first ping advertises the datasets and marks the runner online
      this.poller.start();
    }
    this.scheduleHeartbeat();
  }

  /** Stop taking work, tell the hub, let running tasks finish within `graceMs` (heartbeats keep their leases), then close. */
  async drain(graceMs: number): Promise<{ finished: number; abandoned: number }> {
    this.draining = true;
    this.poller.stop(true);
    // Carries draining: true, so the hub stops offering work; an unreachable hub must not hold up the shutdown.
    await Promise.race([this.beat(), sleep(2000)]);
    const outcome = await this.executor.drain(graceMs);
    this.close();
    return outcome;
  }

  /** The state file holds a new token for this runner (`simpul-runner rotate-token`): use it from now on. */
  adoptToken(token: string): void {
    if (token === this.state.token) return;
    this.state = { ...this.state, token };
    this.api.setToken(token);
    this.socket?.setToken(token);
    this.opts.log.info('runner token rotated; using the new one', { runner_id: this.state.runner_id });
  }

  /** A 401 may only mean that rotate-token wrote a token the watcher has not picked up yet: adopt it (true), do not re-register. */
  private tokenFromState(): boolean {
    const token = rotatedToken(this.opts.config.state, this.state.runner_id, this.state.token);
    if (token) this.adoptToken(token);
    return token !== null;
  }

  close(): void {
    this.stopped = true;
    if (this.heartbeatTimer) clearTimeout(this.heartbeatTimer);
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    if (this.moveTimer) clearTimeout(this.moveTimer);
    this.claims.stop();
    this.poller.stop(true);
    this.socket?.close();
    this.socket = null;
  }

  // Reporter: the socket when it is up, HTTP otherwise (and when a socket ack times out).

  async progress(msg: TaskProgress): Promise<ProgressReply> {
    return this.send((s) => s.progress(msg), () => this.api.progress(msg));
  }

  async result(msg: ResultPost): Promise<ResultReply> {
    // A message past the hub's socket buffer would get the whole socket closed; HTTP answers a clean 413 instead.
    const big = JSON.stringify(msg).length > SOCKET_MESSAGE_MAX;
    return this.send((s) => s.result(msg), () => this.api.result(msg), big);
  }

  async release(msg: ReleaseRequest): Promise<ReleaseReply> {
    return this.send((s) => s.release(msg), () => this.api.release(msg));
  }

  private async send<T>(viaSocket: (s: SocketChannel) => Promise<T>, viaHttp: () => Promise<T>, httpOnly = false): Promise<T> {
    const s = this.socket;
    if (s?.connected && !httpOnly) {
      try {
        return await viaSocket(s);
      } catch (e) {
        if (!(e instanceof NetworkError)) throw this.watch(e);
      }
    }
    try {
      return await viaHttp();
    } catch (e) {
      throw this.watch(e);
    }
  }

  /** Notice errors that concern the whole runner (token refused, protocol mismatch) wherever they show up. */
  private watch(e: unknown): unknown {
    if (e instanceof HubError && (e.status === 401 || e.code === 'protocol_mismatch')) this.onHubError(e, 'report');
    return e;
  }

  private pingMessage(withDatasets: boolean): PingRequestInput {
    return pingMessage(this.state.runner_id, this.executor, this.opts.config, this.opts.engine, this.draining, withDatasets);
  }

  private onPingReply(reply: PingReply, sent: PingRequestInput): void {
    if (this.opts.config.heartbeat_s === undefined) this.heartbeatMs = reply.heartbeat_interval_s * 1000;
    this.executor.apply(reply, sent.leases);
  }

  private scheduleHeartbeat(): void {
    if (this.heartbeatTimer) clearTimeout(this.heartbeatTimer);
    if (this.stopped) return;
    this.heartbeatTimer = setTimeout(() => void this.beat().finally(() => this.scheduleHeartbeat()), this.heartbeatMs);
  }

  /** One heartbeat: over the socket when it is up, else over HTTP. */
  private async beat(): Promise<void> {
    if (this.stopped || this.reauth) return;
    try {
      const s = this.socket;
      let reply: PingReply | null = null;
      let msg = this.pingMessage(false);
      if (s?.connected) {
        try {
          reply = await s.ping(msg);
        } catch (e) {
          if (!(e instanceof NetworkError)) throw e;
        }
      }
      if (!reply) {
        msg = this.pingMessage(this.advertise);
        reply = await this.api.ping(msg);
        this.advertise = false;
        if (!this.socket?.connected && (this.poller.running || this.opts.config.transport === 'polling')) this.setTransport('polling');
      }
      this.onPingReply(reply, msg);
    } catch (e) {
      if (e instanceof NetworkError) {
        this.advertise = true;
        this.opts.log.debug('heartbeat not delivered', { error: e.message });
      } else this.onHubError(e, 'ping');
    }
  }

  private setTransport(t: Transport | null): void {
    if (t === this.transport) return;
    this.transport = t;
    if (!t) return;
    this.unreachableLogged = false;
    const { config, engine } = this.opts;
    this.opts.log.info('connected', { hub: this.api.base, transport: t, runner_id: this.state.runner_id });
    this.opts.announce(`simpul-runner ${config.name} connected to ${this.api.base} (${t}) serving datasets: ${engine.names().join(', ') || '(none)'}`);
  }

  // The socket and its fallback.

  private openSocket(): void {
    const log = this.opts.log;
    this.socket = new SocketChannel(
      this.api.base,
      { runner_id: this.state.runner_id, token: this.state.token },
      {
        connected: () => void this.onSocketUp(),
        disconnected: (reason) => this.onSocketDown(reason),
        refused: (info) => {
          if (info.code === 'unauthorized' || info.code === 'protocol_mismatch') return void this.onHubError(new HubError(info.code === 'unauthorized' ? 401 : 400, info.code, info.message), 'connect');
          log.warn('the hub refused the socket; retrying later', { code: info.code, error: info.message });
          this.retrySocketLater();
          this.startPolling();
        },
        unreachable: (message) => {
          if (this.moveToNextHub(message)) return;
          if (!this.unreachableLogged) log.warn('socket cannot connect; polling over HTTP meanwhile', { error: message });
          this.unreachableLogged = true;
          this.startPolling();
        },
        offer: (offer) => !this.draining && this.executor.accept(offer),
        cancel: (msg) => this.executor.cancel(msg.task_id, msg.reason || 'canceled by the hub'),
        revoked: (info) => void this.onHubError(new HubError(401, 'unauthorized', info.message, { revoked: true }), 'revoked'),
      },
      log,
    );
    this.socket.connect();
  }

  private async onSocketUp(): Promise<void> {
    const s = this.socket;
    if (!s) return;
    this.refusals = 0;
    this.moves = 0;
    this.poller.stop(false); // a long-poll in flight finishes, so a task claimed for it is not lost
    try {
      const hello = this.pingMessage(true);
      this.onPingReply(await s.hello(hello), hello);
      this.setTransport('websocket');
      await this.claims.now();
    } catch (e) {
      if (e instanceof NetworkError) this.opts.log.warn('hello not answered', { error: e.message });
      else this.onHubError(e, 'hello');
    }
  }

  private onSocketDown(reason: string): void {
    if (this.stopped) return;
    this.opts.log.warn('socket disconnected', { reason });
    this.transport = null;
    // After a server-side disconnect Socket.IO does not reconnect by itself.
    if (reason === 'io server disconnect') this.retrySocketLater();
    this.startPolling();
  }

  private retrySocketLater(): void {
    if (this.reconnectTimer || this.stopped) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (!this.stopped && this.socket && !this.socket.connected) this.socket.connect();
    }, backoffMs(this.refusals++, 1000, 30_000));
  }

  private startPolling(): void {
    if (this.stopped || this.draining || this.reauth || this.poller.running) return;
    this.advertise = true;
    this.poller.start();
  }

  private moveToNextHub(why: string): boolean {
    const hubs = this.opts.config.hubs;
    if (hubs.length < 2 || this.stopped || this.reauth || this.moveTimer) return false;
    const from = this.api.base;
    this.hubIndex = (this.hubIndex + 1) % hubs.length;
    this.api.setBase(hubs[this.hubIndex]);
    this.opts.log.warn('hub unreachable; moving to the next one', { from, to: this.api.base, error: why });
    this.transport = null;
    if (this.opts.config.transport !== 'websocket') return true;
    this.socket?.close();
    this.socket = null;
    this.moveTimer = setTimeout(() => {
      this.moveTimer = null;
      if (!this.stopped && !this.reauth && !this.socket) this.openSocket();
    }, backoffMs(this.moves++, 250, 10_000));
    this.startPolling(); // meanwhile (and if no socket comes up) over HTTP, to the new hub
    return true;
  }

  /** Errors that retrying will not fix. Returns true when the caller should stop what it was doing. */
  private onHubError(e: unknown, during: string): boolean {
    // Polling only: a hub that cannot be reached is left for the next one.
    if (e instanceof NetworkError && this.opts.config.transport === 'polling') this.moveToNextHub(e.message);
    if (e instanceof HubError && e.code === 'protocol_mismatch') {
      this.opts.onFatal(new FatalError(EXIT.protocol, `the hub refused this runner: ${e.message}`));
      return true;
    }
    if (e instanceof HubError && e.status === 401) {
      // An admin revoked this runner on purpose: enrolling again behind their back would undo that.
      if (isRevocation(e)) this.opts.onFatal(new FatalError(EXIT.auth, `${e.message}. This runner stops; an admin must give it a new enrolment key (and delete ${this.opts.config.state}) to bring it back.`));
      else if (this.tokenFromState()) {
        if (during === 'connect') this.retrySocketLater(); // the socket refused the old token; the next try carries the new one
      } else void this.reregister(e.message);
      return true;
    }
    if (!(e instanceof NetworkError)) this.opts.log.warn(`${during} failed`, { error: errorMessage(e), ...(e instanceof HubError ? { status: e.status, code: e.code } : {}) });
    return false;
  }

  /** The hub no longer knows our token: register again if we may, else stop with a message that says what to do. */
  private reregister(why: string): Promise<void> {
    if (this.reauth) return this.reauth;
    const { config, log } = this.opts;
    if (this.stopped) return Promise.resolve();
    const refusal = registerAgainRefusal(config, this.state.runner_id, why, this.reregistrations);
    if (refusal) {
      this.opts.onFatal(refusal);
      return Promise.resolve();
    }
    log.warn('the hub refused our token; registering again with the enrolment key', { runner_id: this.state.runner_id, reason: why });
    this.reauth = (async () => {
      // Leases belong to the old identity; the hub re-queues those tasks when they expire.
      for (const l of this.executor.leases()) this.executor.drop(l.task_id, 'the runner registered again under a new id');
      this.poller.stop(true);
      this.socket?.close();
      this.socket = null;
      this.transport = null;
      const reg = await registerRunner(this.api, config, this.opts.engine, log);
      this.state = reg.state;
      this.api.setToken(reg.state.token);
      if (config.heartbeat_s === undefined) this.heartbeatMs = reg.heartbeat_interval_s * 1000;
      this.opts.onIdentity(reg.state);
      await this.poller.finished();
    })()
      .then(() => {
        this.reauth = null;
        if (this.stopped) return;
        if (config.transport === 'websocket') this.openSocket();
        else this.startPolling();
      })
      .catch((e) => {
        this.reauth = null;
        this.opts.onFatal(e instanceof FatalError ? e : new FatalError(EXIT.auth, `registering again failed: ${errorMessage(e)}`));
      });
    return this.reauth;
  }
}
