// Leases: heartbeats (keep / cancel / drop), handing a lease back, and shortening leases of a vanished socket.
import type { PingReply, PingRequest } from '@simpul/protocol';
import type { HubContext } from '../context.ts';
import type { RunnerRow } from '../db/schema.ts';
import { touchRunner } from '../store/runners.ts';
import { recordSites } from '../store/sites.ts';
import { endAttempt } from './attempts.ts';
import { ACTIVE_SQL, ACTIVE_STATES } from './tasks.ts';
import { toJson } from '../store/json.ts';
import { recentlySeen } from '../store/views.ts';
import { forbidden } from '../errors.ts';
import { heartbeats, isBareHeartbeat } from './heartbeats.ts';
import { leaseExpiry } from './lease-time.ts';

type Ctx = Pick<HubContext, 'db' | 'config' | 'events'>;

/** A heartbeat that came over a live socket of this hub, after its hello: when its runner's last_seen was last written. */
export interface SocketSeen {
  seenWrittenAt: number;
}

/**
 * A heartbeat: marks the runner alive, records what it re-advertised, renews each listed lease that is still its own,
 * and answers which of them to keep, cancel or drop.
 * `socket`: it came over this hub's live socket. Then a bare heartbeat (an idle runner's) is answered from memory: the
 * socket itself says the runner is alive, so last_seen is written at most every config.lastSeenWriteS (with the look
 * for cancels of unlisted tasks; cancels are pushed on the socket, and hello looks again after a reconnect).
 */
export async function ping(
  ctx: Ctx,
  runner: RunnerRow,
  req: PingRequest,
  transport: 'websocket' | 'polling',
  now = Date.now(),
  socket?: SocketSeen,
): Promise<{ reply: PingReply; runner: RunnerRow }> {
  if (req.runner_id !== runner.id) throw forbidden(`this token belongs to runner ${runner.id}, not ${req.runner_id}`);
  const { db, config } = ctx;
  // Only "still here" (most heartbeats of idle runners): batched with others, see heartbeats.ts.
  const bare = isBareHeartbeat(runner, req, transport);
  if (bare && socket && now - socket.seenWrittenAt < config.lastSeenWriteS * 1000)
    return { runner: { ...runner, last_seen: now }, reply: pingReply(config, transport, [], [], [], now) };
  if (socket) socket.seenWrittenAt = now;
  const updated = bare
    ? { ...runner, last_seen: now }
    : ((await touchRunner(
        db,
        runner.id,
        { transport, datasets: req.datasets, labels: req.labels, version: req.version, draining: req.draining },
        now,
      )) ?? runner);
  // A name it did not serve before becomes a site of it, or a pending one (see store/sites.ts).
  if (!bare && req.datasets)
    await recordSites(
      db,
      runner.id,
      req.datasets.map((d) => d.name),
      config.security.siteApproval,
      now,
    );

  const listed = new Map(req.leases.map((l) => [l.task_id, l.lease_token]));
  const rows =
    listed.size === 0
      ? []
      : await db
          .selectFrom('tasks')
          .select(['id', 'runner_id', 'lease_token', 'status', 'cancel_requested'])
          .where('id', 'in', [...listed.keys()])
          .execute();
  const byId = new Map(rows.map((r) => [r.id, r]));

  const keep: string[] = [];
  const cancel = new Set<string>();
  const drop: string[] = [];
  for (const [taskId, token] of listed) {
    const t = byId.get(taskId);
    const mine =
      t &&
      t.runner_id === runner.id &&
      t.lease_token === token &&
      (ACTIVE_STATES as readonly string[]).includes(t.status);
    if (!mine) drop.push(taskId);
    else if (t.cancel_requested)
      cancel.add(taskId); // not renewed: a runner that ignores the cancel loses the lease
    else keep.push(taskId);
  }

  if (keep.length > 0) {
    const tokens = keep.map((id) => listed.get(id)!);
    await db
      .updateTable('tasks')
      .set({ lease_expires_at: leaseExpiry(config, now) })
      .where('runner_id', '=', runner.id)
      .where('lease_token', 'in', tokens)
      .where(ACTIVE_SQL)
      .execute();
  }

  // Cancels of tasks it holds but did not list (e.g. a cancel pushed while its socket was down).
  const asked = bare
    ? await heartbeats(ctx).stillHere(runner.id, now)
    : await db
        .selectFrom('tasks')
        .select('id')
        .where('runner_id', '=', runner.id)
        .where(ACTIVE_SQL)
        .where('cancel_requested', '=', 1)
        .execute();
  for (const r of asked) cancel.add(r.id);

  // Web updates only when something users see changed, not on every heartbeat.
  const advertised = !bare && (req.datasets !== undefined || req.labels !== undefined || req.version !== undefined);
  if (!recentlySeen(runner, config, now) || transport !== runner.transport || advertised)
    ctx.events.runners([runner.id]);
  return { runner: updated, reply: pingReply(config, transport, keep, [...cancel], drop, now) };
}

/** The interval a socket runner that holds no lease may heartbeat at: its socket's ping/pong says it is alive, and the
 *  hub writes its last_seen from memory (socket/seen-sweep.ts). None over HTTP, or when every heartbeat writes last_seen. */
export function idleHeartbeatS(config: Ctx['config'], transport: 'websocket' | 'polling'): number | undefined {
  return transport === 'websocket' && config.lastSeenWriteS > 0 && config.idleHeartbeatS > config.heartbeatS
    ? config.idleHeartbeatS
    : undefined;
}

function pingReply(
  config: Ctx['config'],
  transport: 'websocket' | 'polling',
  keep: string[],
  cancel: string[],
  drop: string[],
  now: number,
): PingReply {
  const idle = idleHeartbeatS(config, transport);
  return {
    ok: true,
    heartbeat_interval_s: config.heartbeatS,
    ...(idle === undefined ? {} : { idle_heartbeat_interval_s: idle }),
    lease_ttl_s: config.leaseTtlS,
    keep,
    cancel,
    drop,
    server_time: new Date(now).toISOString(),
    inline_result_max: config.inlineResultMax, // larger results go to the blob store
  };
}

/**
 * Hands a lease back without counting it as an attempt (an offer refused or not acked, a claim that raced a
 * disconnect, a runner that drains): the task is queued again at once, or canceled if a cancel arrived meanwhile.
 * Returns the task's new status, or undefined when the lease was no longer current (nothing changed).
 * `alsoRunning`: the runner itself hands back a task it had started (only it knows the work stopped).
 */
export async function release(
  ctx: Ctx,
  taskId: string,
  leaseToken: string,
  now = Date.now(),
  alsoRunning = false,
): Promise<'queued' | 'canceled' | undefined> {
  const states = alsoRunning ? [...ACTIVE_STATES] : ['leased' as const];
  const done = await ctx.db.transaction().execute(async (trx) => {
    const t = await trx
      .selectFrom('tasks')
      .select([
        'id',
        'cancel_requested',
        'attempt',
        'runner_id',
        'lease_token',
        'leased_at',
        'started_at',
        'created_at',
      ])
      .where('id', '=', taskId)
      .where('lease_token', '=', leaseToken)
      .where('status', 'in', states)
      .executeTakeFirst();
    if (!t) return undefined;
    const base = trx
      .updateTable('tasks')
      .where('id', '=', taskId)
      .where('lease_token', '=', leaseToken)
      .where('status', 'in', states);
    const res = t.cancel_requested
      ? await base
          .set({
            status: 'canceled',
            lease_expires_at: null,
            deadline_at: null,
            finished_at: now,
            updated_at: now,
            error: toJson({ code: 'canceled', message: 'canceled before the runner started it' }),
          })
          .executeTakeFirst()
      : await base
          .set((eb) => ({
            status: 'queued',
            attempt: eb('attempt', '-', 1),
            lease_token: null,
            lease_expires_at: null,
            deadline_at: null,
            available_at: now,
            progress: null,
            progress_message: null,
            updated_at: now,
          }))
          .executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) return undefined;
    await endAttempt(trx, t, 'released', null, now);
    return t.cancel_requested ? ('canceled' as const) : ('queued' as const);
  });
  if (done) {
    ctx.events.tasks([taskId]);
    ctx.events.available();
  }
  return done;
}

/** A runner's socket went away: give it until `now + grace` to come back and say hello, then the reaper takes over. */
export async function shortenLeases(ctx: Ctx, runnerId: string, graceMs: number, now = Date.now()): Promise<number> {
  const until = now + graceMs;
  const res = await ctx.db
    .updateTable('tasks')
    .set({ lease_expires_at: until })
    .where('runner_id', '=', runnerId)
    .where(ACTIVE_SQL)
    .where('lease_expires_at', '>', until)
    .executeTakeFirst();
  return Number(res.numUpdatedRows);
}

/** At start-up, give every held lease a full TTL, so that runners can reconnect to a restarted hub and keep their work. */
export async function extendAllLeases(ctx: Ctx, now = Date.now()): Promise<number> {
  const until = leaseExpiry(ctx.config, now);
  const res = await ctx.db
    .updateTable('tasks')
    .set({ lease_expires_at: until })
    .where(ACTIVE_SQL)
    .where('lease_expires_at', '<', until)
    .where('cancel_requested', '=', 0)
    .executeTakeFirst();
  return Number(res.numUpdatedRows);
}
