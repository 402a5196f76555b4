// The hub's Prometheus metrics: one registry per hub, fed by the queue, HTTP and sockets, and by the database on scrape.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { TASK_STATES, Transport } from '@simpul/protocol';
import type { Db } from '../db/schema.ts';
import type { ReapStats } from '../queue/reaper.ts';
import { tasksByState } from '../queue/tasks.ts';
import { onlineRunnersByTransport } from '../store/runners.ts';
import { type SeenConfig, seenWindowMs } from '../store/views.ts';

const TRANSPORTS = Transport.options;

/** A task as the queue hands it to the metrics: enough to time it. */
export interface TimedTask {
  op: number;
  created_at: number;
  available_at: number;
  started_at: number | null;
  deadline_at: number | null;
  timeout_s: number;
}

const SECONDS = 1000;

export class HubMetrics {
  readonly registry = new Registry();
  private readonly runners: Gauge<'transport'>;
  private readonly tasks: Gauge<'state'>;
  private readonly dispatch: Histogram;
  private readonly duration: Histogram<'op' | 'status'>;
  private readonly claims: Counter;
  private readonly expiries: Counter<'then'>;
  private readonly retries: Counter;
  private readonly timeouts: Counter;
  private readonly http: Histogram<'method' | 'route' | 'status'>;
  private readonly socketEvents: Counter<'namespace' | 'event' | 'direction'>;

  constructor() {
    const registers = [this.registry];
    // The event-loop lag is sampled every 100 ms, not every 10 ms: the ten-fold wake-ups cost an idle hub ~0.7 % of a core.
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 100 });
    this.runners = new Gauge({
      name: 'simpul_runners_connected',
      help: 'Runners heard from lately, by transport (from the database, on scrape)',
      labelNames: ['transport'],
      registers,
    });
    this.tasks = new Gauge({
      name: 'simpul_tasks',
      help: 'Tasks by state (from the database, on scrape)',
      labelNames: ['state'],
      registers,
    });
    this.dispatch = new Histogram({
      name: 'simpul_task_dispatch_seconds',
      help: 'From a task becoming claimable (created, or due again after a retry) to a runner claiming it, by push or poll',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers,
    });
    this.duration = new Histogram({
      name: 'simpul_task_duration_seconds',
      help: 'Run time of tasks whose runner reported a final result, from the start of the attempt to the result',
      labelNames: ['op', 'status'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600],
      registers,
    });
    this.claims = new Counter({
      name: 'simpul_task_claims_total',
      help: 'Tasks leased to runners (each attempt counts)',
      registers,
    });
    this.expiries = new Counter({
      name: 'simpul_lease_expiries_total',
      help: 'Leases that ran out, by what happened to the task next',
      labelNames: ['then'],
      registers,
    });
    this.retries = new Counter({
      name: 'simpul_task_retries_total',
      help: 'Tasks queued again after their runner let the lease expire',
      registers,
    });
    this.timeouts = new Counter({
      name: 'simpul_task_timeouts_total',
      help: 'Tasks the hub failed because they ran past their timeout and the runner did not stop them',
      registers,
    });
    this.http = new Histogram({
      name: 'simpul_http_request_duration_seconds',
      help: 'HTTP requests by method, route pattern and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    this.socketEvents = new Counter({
      name: 'simpul_socket_events_total',
      help: 'Socket.IO events by namespace and name; in: received, out: emitted to one socket (room broadcasts are not counted)',
      labelNames: ['namespace', 'event', 'direction'],
      registers,
    });
    // Series that exist from the start read 0 rather than missing.
    for (const t of TRANSPORTS) this.runners.set({ transport: t }, 0);
    for (const s of TASK_STATES) this.tasks.set({ state: s }, 0);
    for (const then of ['requeued', 'failed', 'canceled']) this.expiries.inc({ then }, 0);
  }

  /** The claim leased these tasks just now. */
  claimed(rows: readonly Pick<TimedTask, 'available_at'>[], now = Date.now()): void {
    for (const r of rows) {
      this.claims.inc();
      this.dispatch.observe(Math.max(0, now - r.available_at) / SECONDS);
    }
  }

  /** A runner's final report was stored. */
  finished(task: TimedTask, status: string, now = Date.now()): void {
    // Without a progress report there is no started_at; the claim time is the deadline minus the timeout.
    const start =
      task.started_at ?? (task.deadline_at !== null ? task.deadline_at - task.timeout_s * SECONDS : task.created_at);
    this.duration.observe({ op: String(task.op), status }, Math.max(0, now - start) / SECONDS);
  }

  /** One pass of the reaper. */
  reaped(stats: ReapStats): void {
    for (const then of ['requeued', 'failed', 'canceled'] as const)
      if (stats[then]) this.expiries.inc({ then }, stats[then]);
    if (stats.requeued) this.retries.inc(stats.requeued);
    if (stats.timedOut) this.timeouts.inc(stats.timedOut);
  }

  httpRequest(method: string, route: string, status: number, seconds: number): void {
    this.http.observe({ method, route, status: String(status) }, seconds);
  }

  socketEvent(namespace: string, event: string, direction: 'in' | 'out'): void {
    this.socketEvents.inc({ namespace, event, direction });
  }

  /** Reads the gauges that live in the database, then renders everything in Prometheus' text format. */
  async scrape(db: Db, seen: SeenConfig, now = Date.now()): Promise<string> {
    const [byState, byTransport] = await Promise.all([
      tasksByState(db),
      onlineRunnersByTransport(db, now, (t) => seenWindowMs(t, seen)),
    ]);
    for (const s of TASK_STATES) this.tasks.set({ state: s }, Number(byState.find((r) => r.status === s)?.n ?? 0));
    for (const t of TRANSPORTS)
      this.runners.set({ transport: t }, Number(byTransport.find((r) => r.transport === t)?.n ?? 0));
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
