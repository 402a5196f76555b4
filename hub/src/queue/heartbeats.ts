// Heartbeats that only say "still here" (no leases held, nothing new advertised) are answered in batches: one UPDATE of
// last_seen and one SELECT of pending cancels for every runner that pinged within the same few milliseconds. With
// thousands of idle runners this is most heartbeats, and it turns thousands of statements a second into a few.
import type { PingRequest } from '@simpul/protocol';
import type { HubContext } from '../context.ts';
import type { Db, RunnerRow } from '../db/schema.ts';
import { toJson } from '../store/json.ts';
import { touchRunners } from '../store/runners.ts';
import { ACTIVE_SQL } from './tasks.ts';

const GATHER_MS = 10; // how long a heartbeat waits for others to share its statements
const CHUNK = 500; // ids per statement (SQLite's bound-parameter limit)

/** Nothing in this heartbeat changes the runner's row or any lease: only last_seen moves. */
export function isBareHeartbeat(runner: RunnerRow, req: PingRequest, transport: RunnerRow['transport']): boolean {
  return (
    req.leases.length === 0 &&
    transport === runner.transport &&
    (req.draining === undefined || (req.draining ? 1 : 0) === runner.draining) &&
    (req.version === undefined || req.version === runner.version) &&
    (req.labels === undefined || toJson(req.labels) === runner.labels) &&
    (req.datasets === undefined || toJson(req.datasets) === runner.datasets)
  );
}

interface Waiting {
  runnerId: string;
  now: number;
  resolve(cancels: { id: string }[]): void;
  reject(err: unknown): void;
}

class HeartbeatBatch {
  private waiting: Waiting[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly db: Db) {}

  /** Marks the runner seen; resolves with the tasks it holds that were asked to cancel. */
  stillHere(runnerId: string, now: number): Promise<{ id: string }[]> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ runnerId, now, resolve, reject });
      this.timer ??= setTimeout(() => void this.flush(), GATHER_MS);
    });
  }

  private async flush(): Promise<void> {
    this.timer = undefined;
    const batch = this.waiting;
    this.waiting = [];
    try {
      const ids = [...new Set(batch.map((w) => w.runnerId))];
      const seenAt = Math.max(...batch.map((w) => w.now));
      const asked = new Map<string, { id: string }[]>();
      for (let i = 0; i < ids.length; i += CHUNK) {
        const chunk = ids.slice(i, i + CHUNK);
        await touchRunners(this.db, chunk, seenAt);
        const rows = await this.db
          .selectFrom('tasks')
          .select(['id', 'runner_id'])
          .where('runner_id', 'in', chunk)
          .where(ACTIVE_SQL)
          .where('cancel_requested', '=', 1)
          .execute();
        for (const r of rows) asked.set(r.runner_id!, [...(asked.get(r.runner_id!) ?? []), { id: r.id }]);
      }
      for (const w of batch) w.resolve(asked.get(w.runnerId) ?? []);
    } catch (err) {
      for (const w of batch) w.reject(err);
    }
  }
}

const batches = new WeakMap<Db, HeartbeatBatch>();

/** The batch of this hub's database. */
export function heartbeats(ctx: Pick<HubContext, 'db'>): HeartbeatBatch {
  let b = batches.get(ctx.db);
  if (!b) batches.set(ctx.db, (b = new HeartbeatBatch(ctx.db)));
  return b;
}
