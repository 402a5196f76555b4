// The runner's link to the hub: socket first, HTTP long-poll as fallback, heartbeats, and the Reporter the executor uses.
// What it does when is decided by the state machine in link-state.ts / link-transition.ts; this class carries it out.
import type {
  ProgressReply,
  ReleaseReply,
  ReleaseRequest,
  ResultPost,
  ResultReply,
  TaskProgress,
  Transport,
} from '@simpul/protocol';
import { sleep } from '../backoff.ts';
import type { Executor, Reporter } from '../executor.ts';
import type { RunnerState } from '../state.ts';
import { HubApi } from './hub-api.ts';
import { type LinkOptions, firstHeartbeatMs, linkSetup } from './link-options.ts';
import { type LinkEffect, type LinkEvent, type LinkState, initialLinkState, isLive, timersOf } from './link-state.ts';
import { LinkReporter } from './link-reporter.ts';
import { StateTimers } from './link-timers.ts';
import { linkTransition } from './link-transition.ts';
import { type PingExchange, announcement, heartbeat, hello, onHubError, openLinkSocket } from './link-wiring.ts';
import { Poller } from './polling.ts';
import { registerAgain, registerAgainRefusal } from './register.ts';
import type { SocketChannel } from './socket.ts';
import { SocketClaims } from './socket-claims.ts';
import { pingMessage } from './ping.ts';
import { rotatedToken } from '../token-watch.ts';

export class Link implements Reporter {
  readonly api: HubApi;
  private state: RunnerState;
  private executor!: Executor;
  private socket: SocketChannel | null = null;
  private readonly poller: Poller;
  private readonly claims: SocketClaims;
  private readonly setup: ReturnType<typeof linkSetup>;
  private machine: LinkState;
  private readonly timers = new StateTimers((event) => void this.dispatch(event));
  private readonly reporter: LinkReporter;
  private readonly reregistrations: number[] = [];

  constructor(private readonly opts: LinkOptions) {
    this.state = opts.state;
    this.api = new HubApi(opts.config.hub, opts.state.token);
    this.api.onRefused = () => void this.tokenFromState();
    this.setup = linkSetup(opts.config);
    this.machine = initialLinkState(firstHeartbeatMs(opts));
    this.poller = new Poller(
      this.api,
      () => this.state.runner_id,
      { free: () => this.executor.free(), accept: (offer, force) => this.held(this.executor.accept(offer, force)) },
      { answered: () => this.dispatch({ type: 'poll-answered' }), failed: (e) => this.onHubError(e, 'claim') },
      opts.log,
    );
    this.reporter = new LinkReporter(
      this.api,
      () => this.socket,
      (e) => void this.onHubError(e, 'report'),
    );
    this.claims = new SocketClaims({
      socket: () => this.socket,
      executor: () => this.executor,
      reserved: () => this.poller.reserved,
      draining: () => this.draining,
      held: () => this.held(),
      log: opts.log,
      onHubError: (e, during) => void this.onHubError(e, during),
    });
  }

  get runnerId(): string {
    return this.state.runner_id;
  }

  get currentTransport(): Transport | null {
    return isLive(this.machine) ? this.machine.transport : null;
  }

  private get draining(): boolean {
    return isLive(this.machine) && this.machine.draining;
  }

  // Reporter: the socket when it is up, HTTP otherwise (link-reporter.ts).
  progress = (msg: TaskProgress): Promise<ProgressReply> => this.reporter.progress(msg);
  result = (msg: ResultPost): Promise<ResultReply> => this.reporter.result(msg);
  release = (msg: ReleaseRequest): Promise<ReleaseReply> => this.reporter.release(msg);

  attach(executor: Executor): void {
    this.executor = executor;
    executor.onSlotFree = () => this.dispatch({ type: 'slot-free' }); // a task ended: dispatch looks at the leases
  }

  /** Whether the executor holds a lease decides the heartbeat interval on a socket (link-state.ts timersOf): the machine
   *  hears it after anything that may change it (a task taken, every event). Returns `after`, the outcome of that. */
  private held<T = void>(after?: T): T {
    const holding = this.executor?.leases().length > 0;
    if (isLive(this.machine) && this.machine.holding !== holding) this.dispatch({ type: 'held', holding });
    return after as T;
  }

  start(): void {
    this.dispatch({ type: 'start' });
  }

  /** Stop taking work, tell the hub, let running tasks finish within `graceMs` (heartbeats keep their leases), then close. */
  async drain(graceMs: number): Promise<{ finished: number; abandoned: number }> {
    // The heartbeat carries draining: true, so the hub stops offering work; an unreachable hub must not hold up the shutdown.
    await Promise.race([Promise.all(this.dispatch({ type: 'drain' })), sleep(2000)]);
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
    this.dispatch({ type: 'close' });
  }

  // The machine: one transition, then the timers the new state owns, then its effects.

  private dispatch(event: LinkEvent): Promise<void>[] {
    if (event.type !== 'held') this.held();
    const { state, effects } = linkTransition(this.setup, this.machine, event);
    this.machine = state;
    this.timers.sync(timersOf(state));
    return effects.map((e) => this.run(e));
  }

  private async run(e: LinkEffect): Promise<void> {
    const log = this.opts.log;
    switch (e.kind) {
      case 'open-socket':
        return this.openSocket();
      case 'socket-connect':
        return void (this.socket && !this.socket.connected && this.socket.connect());
      case 'close-socket':
        this.socket?.close();
        this.socket = null;
        return;
      case 'start-poller':
        return this.poller.start();
      case 'stop-poller':
        return this.poller.stop(e.abort);
      case 'wake-poller':
        return this.poller.wake();
      case 'hello':
        return hello(this.exchange());
      case 'claims-now':
        return this.claims.now();
      case 'claims-soon':
        return this.claims.soon();
      case 'claims-stop':
        return this.claims.stop();
      case 'beat':
        return heartbeat(this.exchange(), () => isLive(this.machine) && this.machine.advertise).finally(
          () => e.scheduled && this.dispatch({ type: 'beat-done' }),
        );
      case 'announce':
        log.info('connected', { hub: this.api.base, transport: e.transport, runner_id: this.state.runner_id });
        return this.opts.announce(announcement(this.opts, this.api.base, e.transport));
      case 'move-hub': {
        const from = this.api.base;
        this.api.setBase(this.opts.config.hubs[e.to]);
        return log.warn('hub unreachable; moving to the next one', { from, to: this.api.base, error: e.why });
      }
      case 'warn':
        return log.warn(e.msg, e.fields);
      case 'ask-reregister': {
        const refusal = registerAgainRefusal(this.opts.config, this.state.runner_id, e.why, this.reregistrations, log);
        return refusal ? this.opts.onFatal(refusal) : void this.dispatch({ type: 'reregister', why: e.why });
      }
      case 'drop-leases':
        return this.executor
          .leases()
          .forEach((l) => this.executor.drop(l.task_id, 'the runner registered again under a new id'));
      case 'register':
        return this.register();
    }
  }

  /** What a heartbeat or hello needs (ping.ts, link-wiring.ts); the machine hears how it went. */
  private exchange(): PingExchange {
    return {
      socket: this.socket,
      api: this.api,
      message: (d) =>
        pingMessage(this.state.runner_id, this.executor, this.opts.config, this.opts.engine, this.draining, d),
      dispatch: (event) => this.dispatch(event),
      executor: this.executor,
      held: () => this.held(),
      onHubError: (e, during) => this.onHubError(e, during),
      log: this.opts.log,
    };
  }

  private openSocket(): void {
    this.socket = openLinkSocket(
      this.api.base,
      { runner_id: this.state.runner_id, token: this.state.token },
      {
        dispatch: (event) => this.dispatch(event),
        onHubError: (e, during) => this.onHubError(e, during),
        executor: () => this.executor,
        accept: (offer) => this.held(this.executor.accept(offer)),
        draining: () => this.draining,
      },
      this.opts.log,
    );
    this.socket.connect();
  }

  /** Errors that retrying will not fix (link-wiring.ts). Returns true when the caller should stop what it was doing. */
  private onHubError(e: unknown, during: string): boolean {
    return onHubError(e, during, {
      dispatch: (event) => this.dispatch(event),
      onFatal: (error) => this.opts.onFatal(error),
      tokenFromState: () => this.tokenFromState(),
      statePath: this.opts.config.state,
      log: this.opts.log,
    });
  }

  /** Register again under a new identity (the machine allowed it), then connect as at the start. */
  private async register(): Promise<void> {
    const reg = await registerAgain(this.api, this.opts);
    if (!reg) return;
    this.state = reg.state;
    await this.poller.finished();
    this.dispatch({ type: 'registered', heartbeatS: reg.heartbeat_interval_s });
  }
}
