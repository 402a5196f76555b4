// Runner token lifecycle after enrolment: rotation with a short overlap, and revocation that takes effect at once.
import type { RunnerTokenRotated } from '@simpul/protocol';
import type { HubContext } from '../context.ts';
import type { RunnerRow } from '../db/schema.ts';
import { conflict } from '../errors.ts';
import { shortenLeases } from '../queue/leases.ts';
import { iso } from '../store/json.ts';
import { markRunnerRevoked, replaceRunnerToken, runnerTokenHash } from '../store/runners.ts';
import { hashToken, newToken } from './tokens.ts';

/**
 * A new token for the runner. The current one becomes the previous token and keeps working for `overlapMs`, so a
 * runner busy with a task (or a second process using the state file) is not cut off mid-flight. A token older than
 * that stops working now.
 */
export async function rotateRunnerToken(
  ctx: Pick<HubContext, 'db'>,
  runner: RunnerRow,
  overlapMs: number,
  now = Date.now(),
): Promise<RunnerTokenRotated> {
  const token = newToken('runner');
  const until = now + overlapMs;
  await replaceRunnerToken(ctx.db, runner, hashToken(token), until); // a concurrent rotation wins once
  if ((await runnerTokenHash(ctx.db, runner.id)) !== hashToken(token))
    throw conflict('the token was rotated at the same time by another request; use that one');
  return { runner_id: runner.id, token, previous_valid_until: iso(until) };
}

/**
 * Revokes the runner: its tokens stop working, the claim refuses it, its socket is told and cut, and its leases end
 * now so the reaper hands its tasks to other runners. Returns false when it was already revoked.
 */
export async function revokeRunner(
  ctx: Pick<HubContext, 'db' | 'config' | 'events'>,
  runnerId: string,
  by: string,
  now = Date.now(),
): Promise<boolean> {
  if (!(await markRunnerRevoked(ctx.db, runnerId, now))) return false;
  ctx.events.revoked(runnerId, `runner ${runnerId} was revoked by ${by}; ask an admin for a new enrolment`);
  await shortenLeases(ctx, runnerId, 0, now);
  ctx.events.runners([runnerId]);
  return true;
}
