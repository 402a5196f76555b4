// last_seen of the runners on this hub's sockets, written from memory: every quarter of SIMPUL_LAST_SEEN_WRITE_S, one
// UPDATE per few hundred runners whose row was last written at least three quarters of it ago and whose socket was heard
// lately (a message, or the answer to the transport's ping). So a connected runner's last_seen is never older than the
// write interval (other hubs and the web tell online from it), each row is written at most about once per interval, and an
// idle runner's rare heartbeats need no write of their own.
import type { HubContext } from '../context.ts';
import { touchRunners } from '../store/runners.ts';
import { pingWindowMs, type RunnerSockets } from './presence.ts';

const CHUNK = 500; // ids per statement (SQLite's bound-parameter limit)

/** Starts the sweep; returns its stop. Nothing to do when every heartbeat writes last_seen (lastSeenWriteS 0). */
export function sweepLastSeen(ctx: Pick<HubContext, 'db' | 'config' | 'log'>, sockets: RunnerSockets): () => void {
  const everyMs = ctx.config.lastSeenWriteS * 1000;
  if (everyMs <= 0) return () => {};
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    sweep(ctx, sockets, everyMs, Date.now())
      .catch((err) => ctx.log.error('could not write last_seen of socket runners', { err }))
      .finally(() => {
        running = false;
      });
  }, everyMs / 4);
  timer.unref();
  return () => clearInterval(timer);
}

/** One sweep at `now`: writes last_seen of the due, lately heard runners. Returns how many rows it wrote. */
export async function sweep(
  ctx: Pick<HubContext, 'db' | 'config'>,
  sockets: RunnerSockets,
  everyMs: number,
  now: number,
): Promise<number> {
  const due = sockets
    .all()
    .filter(
      (c) =>
        c.ready &&
        c.socket.connected &&
        now - c.seenWrittenAt >= (everyMs * 3) / 4 &&
        now - c.lastHeard <= pingWindowMs(ctx.config.socketPingS),
    );
  for (let i = 0; i < due.length; i += CHUNK) {
    const chunk = due.slice(i, i + CHUNK);
    await touchRunners(
      ctx.db,
      chunk.map((c) => c.runnerId),
      now,
    );
    for (const c of chunk) c.seenWrittenAt = Math.max(c.seenWrittenAt, now);
  }
  return due.length;
}
