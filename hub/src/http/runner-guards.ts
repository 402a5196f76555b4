// What the runner routes check besides the body: enrolment keys (uses, expiry), the long-poll cap, the audit log.
import { auditRequest } from '../audit/audit.ts';
import { consumeEnrollmentKey } from '../auth/enrollment.ts';
import { limitsOf } from '../auth/limits.ts';
import type { RunnerRow } from '../db/schema.ts';
import { unauthorized } from '../errors.ts';
import type { Ctx } from './env.ts';

/** Spends one use of the enrolment key and returns its id; 401 when it is unknown, revoked, expired or used up. */
export async function spendEnrollmentKey(c: Ctx, key: string): Promise<string> {
  const id = await consumeEnrollmentKey(c.get('hub').db, key);
  if (!id) throw unauthorized('enrolment key not valid (unknown, revoked, expired or already used): ask the hub admin for a new one');
  return id;
}

export async function registered(c: Ctx, runner: RunnerRow, keyId: string): Promise<void> {
  await c.get('hub').db.updateTable('runners').set({ enrollment_key_id: keyId }).where('id', '=', runner.id).execute();
  await auditRequest(c, {
    action: 'runner.registered',
    actor: { kind: 'runner', id: runner.id, name: runner.name },
    target: { kind: 'runner', id: runner.id },
    details: { enrollment_key_id: keyId, name: runner.name },
  });
}

/** A slot among the runner's concurrent long-polls (none needed for a claim that does not wait); 429 when all are taken. */
export function longPollSlot(c: Ctx, runnerId: string, waitS: number): () => void {
  if (waitS <= 0) return () => {};
  return limitsOf(c.get('hub')).longPolls.enter(runnerId);
}
