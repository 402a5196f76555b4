// Push: when work appears, claim it for connected runners (least loaded first) and offer it with an ack.
import type { TaskOffer } from '@simpul/protocol';
import type { HubContext, LeasedOnCreate } from '../context.ts';
import type { Db, TaskRow } from '../db/schema.ts';
import { claimFor, claimWithin, type Want } from '../queue/claim.ts';
import { release } from '../queue/leases.ts';
import { hintFor, type WorkHint } from '../queue/notifier.ts';
import { activeCounts, dueWork } from '../queue/tasks.ts';
import { Backlog } from './backlog.ts';
import { heardLately, type RunnerConn, type RunnerSockets } from './presence.ts';

/** A round for at least this many runners first reads what is due (a slot that freed is served directly). */
const MANY = 50;

/**
 * `kick()` is the single entry point: work came whose takers are not known (relayed from another hub), or the periodic
 * tick: a full round. `kickFor(hint)`: tasks were created (or a site approved) for these runners and dataset names: a
 * round for the runners that may take them, without first reading what is due. `kick(runnerId)`: only that
 * runner's situation changed (it said hello or something new in a heartbeat): a round for it alone. `freed(runnerId)`:
 * a slot of it freed: a round for it only when work it may take may be queued (the backlog).
 */
export class Dispatcher {
  private busy = false;
  private again = false;
  private stopped = false;
  private full = false;
  private readonly focus = new Set<string>();
  private readonly freedSlots = new Set<string>();
  private readonly backlog = new Backlog();
  private readonly hinted = { runners: new Set<string>(), datasets: new Set<string>() };
  private loop: Promise<void> = Promise.resolve();

  constructor(
    private readonly ctx: HubContext,
    private readonly sockets: RunnerSockets,
  ) {}

  kick(runnerId?: string): void {
    if (this.stopped) return;
    if (runnerId === undefined) {
      this.full = true;
      this.backlog.markAll();
    } else this.focus.add(runnerId);
    this.start();
  }

  freed(runnerId: string): void {
    if (this.stopped) return;
    this.freedSlots.add(runnerId);
    this.start();
  }

  kickFor(hint: WorkHint): void {
    if (this.stopped) return;
    this.backlog.mark(hint);
    for (const r of hint.runners) this.hinted.runners.add(r);
    for (const d of hint.datasets) this.hinted.datasets.add(d);
    this.start();
  }

  private start(): void {
    if (this.busy) {
      this.again = true;
      return;
    }
    this.busy = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }

  private async run(): Promise<void> {
    try {
      do {
        this.again = false;
        const full = this.full;
        const focus = [...new Set([...this.focus, ...this.mayBeWaiting()])];
        const hinted = { runners: [...this.hinted.runners], datasets: [...this.hinted.datasets] };
        this.full = false;
        this.focus.clear();
        this.freedSlots.clear();
        this.hinted.runners.clear();
        this.hinted.datasets.clear();
        // Keep going while a round filled what a runner asked for: more work may be due.
        if (full ? await this.round() : await this.serve(focus, hinted)) {
          if (full) this.full = true;
          else {
            for (const id of focus) this.focus.add(id);
            for (const r of hinted.runners) this.hinted.runners.add(r);
            for (const d of hinted.datasets) this.hinted.datasets.add(d);
          }
          this.again = true;
        }
      } while (this.again && !this.stopped && !this.ctx.closing.aborted);
    } catch (err) {
      this.ctx.log.error('dispatch failed', { err });
    } finally {
      this.busy = false;
    }
  }

  /** One pass over the runners that could take due work; true when more may be due (see fill). */
  private async round(): Promise<boolean> {
    if (this.sockets.size === 0) return false;
    // What is due first (an index read): an idle fleet's tick each second then never walks its thousands of sockets.
    const { targets, datasets } = await this.dueWork(Date.now());
    if (targets.size === 0 && datasets.size === 0) return false;
    const now = Date.now();
    // Only runners heard from lately: a frozen process keeps its socket open until the transport's ping times out.
    const candidates = this.sockets
      .all()
      .filter(
        (c) =>
          c.ready &&
          !c.refused &&
          !c.draining &&
          heardLately(c, this.ctx.config, now) &&
          (targets.has(c.runnerId) || c.datasets.some((d) => datasets.has(d))),
      );
    if (candidates.length === 0) return false;

    return this.fill(candidates);
  }

  /** A round for these runners, and for those that may take work of the hint's runners and names. */
  private async serve(runnerIds: string[], hint: WorkHint): Promise<boolean> {
    const now = Date.now();
    const conns = runnerIds.map((id) => this.sockets.get(id)).filter((c) => this.usable(c, now));
    const named = new Set(runnerIds);
    if (hint.runners.length > 0 || hint.datasets.length > 0)
      conns.push(...this.mayTake(hint, now).filter((c) => !named.has(c.runnerId)));
    // A runner here only for the hint's work is not asked once earlier runners of the round have taken all of it.
    const onlyFor = (c: RunnerConn) => (named.has(c.runnerId) ? undefined : hint);
    if (conns.length < MANY) return conns.length > 0 && this.fill(conns, onlyFor);
    // Many at once (thousands say hello after a hub restart, most find nothing): one read of what is due, not a
    // claim's picks per runner.
    const { targets, datasets, complete } = await this.dueWork(now);
    const wanted = complete
      ? conns.filter((c) => targets.has(c.runnerId) || c.datasets.some((d) => datasets.has(d)))
      : conns;
    return wanted.length > 0 && this.fill(wanted, onlyFor);
  }

  /** The runners whose slots freed that may have work waiting (the others' rounds would read and find nothing). */
  private mayBeWaiting(): string[] {
    return [...this.freedSlots].filter((id) => {
      const c = this.sockets.get(id);
      return c !== undefined && this.backlog.mayHave(id, c.datasets);
    });
  }

  /** What is due now, read whole; the backlog becomes what it found. */
  private async dueWork(now: number) {
    const since = this.backlog.now();
    const due = await dueWork(this.ctx.db, now);
    const complete = due.targets.size < 1000 && due.datasets.size < 1000; // dueWork lists up to 1000 of each
    if (complete) this.backlog.refresh(since, due);
    return { ...due, complete };
  }

  /** Claims for each candidate as many tasks as it has free slots, least loaded first. */
  private async fill(
    candidates: RunnerConn[],
    onlyFor: (c: RunnerConn) => WorkHint | undefined = () => undefined,
  ): Promise<boolean> {
    const plan = await this.plan(this.ctx.db, candidates, onlyFor);
    if (!plan) return false;
    // One transaction for every runner served in this round, least loaded first.
    const since = this.backlog.now();
    const drained = new Set<string>();
    const offers = await claimFor(this.ctx, plan.wants, Date.now(), drained);
    this.backlog.drained(since, drained);
    this.deliver(plan.takers, offers);
    // Another round only if a runner got all it asked for (more may be due); one that got less was given all that was
    // due for it, and work that comes meanwhile kicks a round of its own.
    return offers.some((o, i) => o.length > 0 && o.length >= plan.wants[i].limit);
  }

  /**
   * Created tasks leased inside the create's own transaction (SQLite) to the runners on this hub that may take them,
   * least loaded first: no separate read, pick and commit. The tasks it leased, and their delivery, for after the
   * commit; undefined when it leased nothing (the create's `available` event then starts a round as usual).
   */
  async leaseNew(trx: Db, rows: readonly TaskRow[], now: number): Promise<LeasedOnCreate | undefined> {
    if (this.stopped || this.ctx.closing.aborted) return undefined;
    const hint = hintFor(rows);
    const conns = this.mayTake(hint, now);
    // Many candidates: the round's one read of what is due serves them better than a pick each.
    if (conns.length === 0 || conns.length >= MANY) return undefined;
    const plan = await this.plan(trx, conns, () => hint);
    if (!plan) return undefined;
    const { offers, announce } = await claimWithin(this.ctx, trx, plan.wants, now);
    const taken = new Set(offers.flatMap((o) => o.map((t) => t.task_id)));
    if (taken.size === 0) return undefined;
    return {
      taken,
      deliver: () => {
        announce();
        this.deliver(plan.takers, offers);
      },
    };
  }

  /** The usable runners on this hub that may take work of the hint: addressed to them, or of a name they serve. */
  private mayTake(hint: WorkHint, now: number): RunnerConn[] {
    return this.sockets
      .all()
      .filter(
        (c) =>
          this.usable(c, now) &&
          (hint.runners.includes(c.runnerId) || c.datasets.some((d) => hint.datasets.includes(d))),
      );
  }

  private usable(c: RunnerConn | undefined, now: number): c is RunnerConn {
    return c?.ready === true && !c.refused && !c.draining && heardLately(c, this.ctx.config, now);
  }

  /** Who of the candidates has free slots, least loaded first, and how many each may take. */
  private async plan(db: Db, candidates: RunnerConn[], onlyFor: (c: RunnerConn) => WorkHint | undefined) {
    const held = await activeCounts(
      db,
      candidates.map((c) => c.runnerId),
    );
    const load = (c: RunnerConn) => (held.get(c.runnerId) ?? 0) / c.concurrency;
    candidates.sort((a, b) => load(a) - load(b) || b.lastHeard - a.lastHeard);

    if (this.stopped || this.ctx.closing.aborted) return undefined;
    const takers = candidates.filter((c) => c.socket.connected && c.concurrency - (held.get(c.runnerId) ?? 0) > 0);
    if (takers.length === 0) return undefined;
    const wants: Want[] = takers.map((c) => ({
      runner: { id: c.runnerId, datasets: c.datasets },
      limit: c.concurrency - (held.get(c.runnerId) ?? 0),
      onlyFor: onlyFor(c),
    }));
    return { takers, wants };
  }

  private deliver(takers: RunnerConn[], offers: TaskOffer[][]): void {
    takers.forEach((conn, i) => {
      if (conn.batchOffers && offers[i].length > 1) this.offerAll(conn, offers[i]);
      else for (const offer of offers[i]) this.offer(conn, offer);
    });
  }

  /** Socket.IO delivers at most once: a refusal or a missing ack hands the task back for someone else. */
  private offer(conn: RunnerConn, offer: TaskOffer): void {
    this.logOffer(conn, offer);
    conn.socket.timeout(this.ackTimeoutMs()).emit('task:offer', offer, (err: Error | null, accepted?: boolean) => {
      if (err || accepted !== true) this.handBack(conn, [offer], err ? 'no ack' : 'refused');
    });
  }

  /** A round's offers for one runner in one message; each offer it does not take (by its entry in the ack) goes back. */
  private offerAll(conn: RunnerConn, offers: TaskOffer[]): void {
    for (const offer of offers) this.logOffer(conn, offer);
    conn.socket.timeout(this.ackTimeoutMs()).emit('task:offers', offers, (err: Error | null, accepted?: boolean[]) => {
      if (err) return this.handBack(conn, offers, 'no ack');
      const back = offers.filter((_, i) => !Array.isArray(accepted) || accepted[i] !== true);
      if (back.length > 0) this.handBack(conn, back, 'refused');
    });
  }

  /** The ack must come well within the lease, or the lease would expire first and spend an attempt. */
  private ackTimeoutMs(): number {
    return Math.min(this.ctx.config.offerTimeoutMs, Math.round(this.ctx.config.leaseTtlS * 800));
  }

  private logOffer(conn: RunnerConn, offer: TaskOffer): void {
    this.ctx.log.debug('offer', {
      task_id: offer.task_id,
      runner_id: conn.runnerId,
      attempt: offer.attempt,
      request_id: offer.request_id,
    });
  }

  private handBack(conn: RunnerConn, offers: TaskOffer[], reason: 'no ack' | 'refused'): void {
    conn.refused = true;
    for (const offer of offers) {
      this.ctx.log.info('offer not taken, handing back', { task_id: offer.task_id, runner_id: conn.runnerId, reason });
      release(this.ctx, offer.task_id, offer.lease_token)
        .catch((e) => this.ctx.log.error('hand back failed', { task_id: offer.task_id, err: e }))
        .finally(() => this.kick());
    }
  }
}
