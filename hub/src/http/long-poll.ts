// The HTTP fallback: claim now, or wait (woken when work for this runner is announced) until work or the wait runs out.
import type { ClaimQuery, TaskOffer } from '@simpul/protocol';
import type { HubContext } from '../context.ts';
import type { RunnerRow } from '../db/schema.ts';
import { claim, type Claimant } from '../queue/claim.ts';
import { release } from '../queue/leases.ts';
import { touchRunner } from '../store/runners.ts';
import { runnerDatasets } from '../store/views.ts';

// Work is announced (new, handed back, due after a backoff, relayed from other hubs); this is a safety net only: with a
// thousand idle long-polls, a short one would keep the database busy.
const RECHECK_MS = 5000;

/** One trip through the event loop's I/O phase: SQLite queries complete without one, so a disconnect could go unseen. */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

export function claimantOf(row: RunnerRow): Claimant {
  return { id: row.id, datasets: runnerDatasets(row).map((d) => d.name), draining: row.draining === 1 };
}

export async function longPollClaim(
  ctx: HubContext,
  runner: RunnerRow,
  q: ClaimQuery,
  clientGone: AbortSignal,
): Promise<TaskOffer[]> {
  const stop = AbortSignal.any([clientGone, ctx.closing]);
  const deadline = Date.now() + q.wait * 1000;
  const transport = () => (ctx.presence.has(runner.id) ? 'websocket' : 'polling');
  // A runner that asks again and again (wait=0) need not be written down as seen each time: twice a heartbeat is enough.
  const seen = runner.last_seen;
  const fresh =
    seen !== null && runner.transport === transport() && Date.now() - seen < (ctx.config.heartbeatS * 1000) / 2;
  let row = fresh ? runner : ((await touchRunner(ctx.db, runner.id, { transport: transport() })) ?? runner);
  let touched = fresh ? seen : Date.now();

  for (;;) {
    if (stop.aborted) return [];
    const offers = await claim(ctx, claimantOf(row), q.limit);
    if (offers.length > 0) {
      // Let pending I/O (a closed connection) be noticed before handing the work out.
      await turn();
      if (!stop.aborted) {
        for (const o of offers)
          ctx.log.debug('offer', {
            task_id: o.task_id,
            runner_id: runner.id,
            attempt: o.attempt,
            request_id: o.request_id,
            via: 'poll',
          });
        return offers;
      }
      // The client left while we claimed: hand the work straight back rather than let it wait for a lease expiry.
      for (const o of offers) await release(ctx, o.task_id, o.lease_token);
      return [];
    }
    const left = deadline - Date.now();
    if (left <= 0) return [];
    await ctx.events.waitAvailable(Math.min(left, RECHECK_MS), stop, claimantOf(row));
    await turn();
    // A waiting runner is alive; refresh what it advertises too (a ping may have changed its datasets).
    if (Date.now() - touched >= (ctx.config.heartbeatS * 1000) / 2) {
      row = (await touchRunner(ctx.db, runner.id, { transport: transport() })) ?? row;
      touched = Date.now();
    }
  }
}
