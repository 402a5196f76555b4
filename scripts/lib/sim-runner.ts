// A simulated runner for load tests: the runner protocol (Socket.IO /runner over a raw websocket, or HTTP long-poll or
// plain polling), no data engine. It answers every task at once with a tiny valid result, or hands it to a callback.
// Thousands fit in one process: no socket.io-client, one `ws` connection each, speaking Engine.IO 4 / Socket.IO 5 frames.
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import {
  ClaimReply,
  PingReply,
  RESULT_BATCH_MAX,
  PROTOCOL_VERSION,
  RUNNER_NAMESPACE,
  TaskCancel,
  TaskOffer,
} from '@simpul/protocol';
import WebSocket from 'ws';

export {
  registerSims,
  simDataset,
  TINY_RESULT,
  type SimIdentity,
  type SimMode,
  type SimOptions,
} from './sim-identity.ts';
import { TINY_RESULT, type SimIdentity, type SimMode, type SimOptions } from './sim-identity.ts';

type Ack = (reply: unknown) => void;
const NSP = RUNNER_NAMESPACE;

export class SimRunner {
  readonly mode: SimMode;
  /** hello answered: offers may come. */
  ready = false;
  connects = 0;
  received = 0;
  completed = 0;
  errors = 0;
  lastError = '';
  /** Task ids the hub asked to cancel (socket `task:cancel`). */
  readonly cancels: string[] = [];
  private readonly hub: string;
  private ws: WebSocket | null = null;
  private nextId = 1;
  private readonly acks = new Map<number, Ack>();
  private readonly held = new Map<string, string>(); // task id → lease token
  private stopped = true;
  private beatTimer: NodeJS.Timeout | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private failures = 0;
  private heartbeatMs = 5000;
  /** The hub's interval for a socket runner that holds no lease (hello/ping replies), as the real runner uses it. */
  private idleHeartbeatMs: number | null = null;
  private idleBeats = 0; // idle intervals armed so far
  private beatIdle = false; // the armed heartbeat timer runs at the idle interval
  private readonly opts: Required<Omit<SimOptions, 'onTask'>> & Pick<SimOptions, 'onTask'>;
  private readyWaiters: (() => void)[] = [];
  private finishing: TaskOffer[] = [];
  private abort = new AbortController();

  constructor(
    readonly id: SimIdentity,
    hubUrl: string,
    opts: SimOptions = {},
  ) {
    this.hub = hubUrl;
    this.mode = opts.mode ?? 'socket';
    this.opts = {
      mode: this.mode,
      concurrency: 4,
      heartbeat: true,
      pollMs: 1000,
      reconnectBaseMs: 1000,
      reconnectMaxMs: 5000,
      ...opts,
    };
  }

  get url(): string {
    return this.hub;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.abort = new AbortController();
    if (this.mode === 'socket') this.open();
    else void this.pollLoop();
    if (this.opts.heartbeat) this.scheduleBeat(Math.random() * this.heartbeatMs); // spread the fleet's heartbeats
  }

  /** Resolves once hello has been answered (socket) or the first claim sent (HTTP). */
  whenReady(): Promise<void> {
    return this.ready ? Promise.resolve() : new Promise((r) => this.readyWaiters.push(r));
  }

  stop(): void {
    this.stopped = true;
    this.ready = false;
    this.abort.abort();
    if (this.beatTimer) clearTimeout(this.beatTimer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      ws.removeAllListeners();
      ws.on('error', () => {});
      if (ws.readyState === WebSocket.OPEN) ws.close();
      else ws.terminate();
    }
  }

  /** Posts the final result of a held task (over the socket when connected, else HTTP). */
  async finish(offer: Pick<TaskOffer, 'task_id' | 'lease_token'>, result: unknown = TINY_RESULT): Promise<unknown> {
    const post = { task_id: offer.task_id, lease_token: offer.lease_token, status: 'succeeded', result };
    const reply =
      this.mode === 'socket' && this.ready
        ? await this.emit('task:result', post)
        : await this.http('POST', '/api/v1/result', post);
    this.held.delete(offer.task_id);
    if (isError(reply)) {
      this.errors++;
      this.lastError = JSON.stringify(reply);
    } else this.completed++;
    return reply;
  }

  // Socket mode: Engine.IO 4 frames ("0" open, "2" ping, "3" pong, "4" message) carrying Socket.IO 5 packets.

  private open(): void {
    // The TCP connection first, then the WebSocket over it: while the hub is down (a restart), each of thousands of
    // runners' refused attempts costs this process half as much CPU, which the hub starting up beside it needs.
    const { hostname, port } = new URL(this.hub);
    const tcp = connect({ host: hostname, port: Number(port) });
    tcp.once('error', (e) => {
      this.lastError = e.message;
      if (!this.stopped) this.reconnectLater();
    });
    tcp.once('connect', () => {
      tcp.removeAllListeners('error');
      if (this.stopped) tcp.destroy();
      else this.openOver(tcp);
    });
  }

  private openOver(tcp: Socket): void {
    const url = `${this.hub.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`;
    const ws = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: 15_000, createConnection: () => tcp });
    this.ws = ws;
    ws.on('message', (data) => this.onFrame(data.toString()));
    ws.on('error', (e) => {
      this.lastError = e.message;
    });
    ws.on('close', () => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.ready = false;
      for (const ack of this.acks.values()) ack({ error: { code: 'disconnected', message: 'socket closed' } });
      this.acks.clear();
      if (!this.stopped) this.reconnectLater();
    });
  }

  private reconnectLater(): void {
    const ceiling = Math.min(this.opts.reconnectMaxMs, this.opts.reconnectBaseMs * 2 ** Math.min(this.failures++, 20));
    const delay = ceiling * (0.5 + Math.random()); // Socket.IO's randomizationFactor 0.5
    this.retryTimer = setTimeout(
      () => {
        this.retryTimer = null;
        if (!this.stopped) this.open();
      },
      Math.min(delay, this.opts.reconnectMaxMs),
    );
  }

  private send(frame: string): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(frame);
  }

  private emit(event: string, msg: unknown, timeoutMs = 30_000): Promise<unknown> {
    return new Promise((resolve) => {
      if (this.ws?.readyState !== WebSocket.OPEN)
        return resolve({ error: { code: 'disconnected', message: 'socket not open' } });
      const id = this.nextId++;
      const timer = setTimeout(() => {
        this.acks.delete(id);
        resolve({ error: { code: 'timeout', message: `${event} not acked` } });
      }, timeoutMs);
      this.acks.set(id, (reply) => {
        clearTimeout(timer);
        resolve(reply);
      });
      this.send(`42${NSP},${id}${JSON.stringify([event, msg])}`);
    });
  }

  private onFrame(frame: string): void {
    const kind = frame[0];
    if (kind === '2') return this.send('3'); // Engine.IO ping
    if (kind === '0') {
      const auth = { token: this.id.token, runner_id: this.id.runner_id, protocol_version: PROTOCOL_VERSION };
      return this.send(`40${NSP},${JSON.stringify(auth)}`);
    }
    if (kind !== '4') return;
    const type = frame[1];
    let rest = frame.slice(2);
    if (rest.startsWith('/')) rest = rest.slice(rest.indexOf(',') + 1);
    const m = /^(\d*)([[{].*)?$/s.exec(rest);
    const ackId = m?.[1] ? Number(m[1]) : undefined;
    const payload = m?.[2] ? JSON.parse(m[2]) : undefined;
    if (type === '0') return void this.hello();
    if (type === '4') {
      this.errors++;
      this.lastError = JSON.stringify(payload);
      return this.ws?.terminate();
    }
    if (type === '3' && ackId !== undefined) {
      const ack = this.acks.get(ackId);
      this.acks.delete(ackId);
      return ack?.(Array.isArray(payload) ? payload[0] : undefined);
    }
    if (type === '2' && Array.isArray(payload)) {
      const [event, msg] = payload as [string, unknown];
      if (event === 'task:offer') {
        const offer = TaskOffer.safeParse(msg);
        const taken = offer.success && this.take(offer.data);
        if (ackId !== undefined) this.send(`43${NSP},${ackId}${JSON.stringify([taken])}`);
      } else if (event === 'task:offers') {
        // As the real runner: one message with a round's offers, one ack with an answer for each.
        const taken = (Array.isArray(msg) ? msg : []).map((o) => {
          const offer = TaskOffer.safeParse(o);
          return offer.success && this.take(offer.data);
        });
        if (ackId !== undefined) this.send(`43${NSP},${ackId}${JSON.stringify([taken])}`);
      } else if (event === 'task:cancel') {
        const cancel = TaskCancel.safeParse(msg);
        if (cancel.success) this.cancels.push(cancel.data.task_id);
      }
    }
  }

  private async hello(): Promise<void> {
    const raw = await this.emit('runner:hello', this.pingMessage());
    const parsed = PingReply.safeParse(raw);
    if (!parsed.success) {
      this.errors++;
      this.lastError = JSON.stringify(raw);
      return;
    }
    const reply = parsed.data;
    this.failures = 0;
    this.connects++;
    this.intervals(reply);
    for (const id of reply.drop) this.held.delete(id);
    this.markReady();
  }

  private intervals(reply: PingReply): void {
    this.heartbeatMs = reply.heartbeat_interval_s * 1000;
    this.idleHeartbeatMs = reply.idle_heartbeat_interval_s ? reply.idle_heartbeat_interval_s * 1000 : null;
  }

  private markReady(): void {
    if (this.ready) return;
    this.ready = true;
    for (const w of this.readyWaiters.splice(0)) w();
  }

  private take(offer: TaskOffer): boolean {
    const at = performance.now();
    this.received++;
    this.held.set(offer.task_id, offer.lease_token);
    // Holding work: back to the short interval at once (as the real runner), so the lease is renewed in time.
    if (this.beatIdle && this.beatTimer) {
      clearTimeout(this.beatTimer);
      this.beatIdle = false;
      this.scheduleBeat(this.heartbeatMs);
    }
    if (this.opts.onTask) this.opts.onTask(offer, at, this);
    else if (this.mode === 'socket') this.finishSoon(offer);
    else void this.finish(offer);
    return true;
  }

  /** Socket mode: the tasks finished in one turn are reported in one `task:results` message (at most 64 each). */
  private finishSoon(offer: TaskOffer): void {
    this.finishing.push(offer);
    if (this.finishing.length > 1) return;
    setImmediate(() => {
      const all = this.finishing.splice(0);
      for (let i = 0; i < all.length; i += RESULT_BATCH_MAX) void this.finishAll(all.slice(i, i + RESULT_BATCH_MAX));
    });
  }

  private async finishAll(offers: TaskOffer[]): Promise<void> {
    if (!this.ready) return void Promise.all(offers.map((o) => this.finish(o)));
    const posts = offers.map((o) => ({
      task_id: o.task_id,
      lease_token: o.lease_token,
      status: 'succeeded',
      result: TINY_RESULT,
    }));
    const reply = await this.emit('task:results', posts);
    offers.forEach((o, i) => {
      this.held.delete(o.task_id);
      const r = Array.isArray(reply) ? reply[i] : reply;
      if (r === undefined || isError(r)) {
        this.errors++;
        this.lastError = JSON.stringify(r ?? reply);
      } else this.completed++;
    });
  }

  private pingMessage() {
    return {
      runner_id: this.id.runner_id,
      leases: [...this.held].map(([task_id, lease_token]) => ({ task_id, lease_token })),
      protocol_version: PROTOCOL_VERSION,
      concurrency: this.opts.concurrency,
      batch_offers: true,
    };
  }

  /** The next heartbeat: at the idle interval on a socket holding nothing (when the hub told one), else the usual one. */
  private nextBeatMs(): number {
    this.beatIdle = this.mode === 'socket' && this.ready && this.held.size === 0 && this.idleHeartbeatMs !== null;
    if (!this.beatIdle) return this.heartbeatMs;
    // The first idle beat at a random point of the interval: a fleet that went quiet at once (connected together, or
    // after a hub restart) spreads its idle heartbeats as runners that started at different times would.
    return this.idleBeats++ > 0 ? this.idleHeartbeatMs! : Math.random() * this.idleHeartbeatMs!;
  }

  private scheduleBeat(ms: number): void {
    if (this.stopped) return;
    this.beatTimer = setTimeout(async () => {
      this.beatTimer = null;
      this.beatIdle = false;
      if (this.mode === 'socket') {
        if (this.ready) {
          const reply = PingReply.safeParse(await this.emit('runner:ping', this.pingMessage()));
          if (reply.success) this.intervals(reply.data);
        }
      } else await this.http('POST', '/api/v1/ping', this.pingMessage());
      if (!this.beatTimer) this.scheduleBeat(this.nextBeatMs());
    }, ms);
  }

  // HTTP modes: long-poll (the hub holds the request until work exists) or plain polling every pollMs.

  private async pollLoop(): Promise<void> {
    const wait = this.mode === 'longpoll' ? 25 : 0;
    while (!this.stopped) {
      const started = Date.now();
      const free = this.opts.concurrency - this.held.size;
      if (free <= 0) {
        await new Promise((r) => setTimeout(r, 20));
        continue;
      }
      const q = `runner_id=${this.id.runner_id}&wait=${wait}&limit=${free}`;
      const pending = this.http('GET', `/api/v1/tasks?${q}`);
      this.markReady(); // asking: a long-poll now waits at the hub
      const reply = await pending;
      if (this.stopped) return;
      const claimed = ClaimReply.safeParse(reply);
      if (claimed.success) for (const t of claimed.data.tasks) this.take(t);
      else await new Promise((r) => setTimeout(r, 500));
      if (this.mode === 'poll') {
        const left = this.opts.pollMs - (Date.now() - started);
        if (left > 0) await new Promise((r) => setTimeout(r, left));
      }
    }
  }

  private async http(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
    try {
      const res = await fetch(this.hub + path, {
        method,
        headers: { authorization: `Bearer ${this.id.token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
        signal: this.abort.signal,
      });
      return await res.json();
    } catch (e) {
      if (!this.stopped) {
        this.errors++;
        this.lastError = (e as Error).message;
      }
      return { error: { code: 'network', message: (e as Error).message } };
    }
  }
}

function isError(x: unknown): x is { error: { code: string } } {
  return typeof x === 'object' && x !== null && 'error' in x;
}
