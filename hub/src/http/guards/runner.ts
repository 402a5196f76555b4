// What the runner routes check besides the body: enrolment keys (uses, expiry), the long-poll cap, the audit log.
import { auditRequest } from '../../audit/audit.ts';
import { consumeEnrollmentKey } from '../../auth/enrollment.ts';
import { limitsOf } from '../../auth/limits.ts';
import type { RunnerRow } from '../../db/schema.ts';
import { conflict, type HubError, unauthorized } from '../../errors.ts';
import { setRunnerEnrollmentKey } from '../../store/runners.ts';
import { siteStatuses } from '../../store/sites.ts';
import type { Ctx } from '../env.ts';

/** Spends one use of the enrolment key and returns its id; 401 when it is unknown, revoked, expired or used up. */
export async function spendEnrollmentKey(c: Ctx, key: string): Promise<string> {
  const id = await consumeEnrollmentKey(c.get('hub').db, key);
  if (!id)
    throw unauthorized(
      'enrolment key not valid (unknown, revoked, expired or already used): ask the hub admin for a new one',
    );
  return id;
}

/** Runner names are unique among runners that are not revoked (a second "staff" could pass for the first): the 409. */
export function nameTaken(other: Pick<RunnerRow, 'id' | 'name'>): HubError {
  return conflict(
    `runner name "${other.name}" is taken by runner ${other.id}: pick another name; to give that runner a new token, run ` +
      `"simpul-runner rotate-token" where it runs; to replace it, an admin revokes it first (POST /api/v1/runners/${other.id}/revoke)`,
    { runner_id: other.id, name: other.name },
  );
}

export async function registered(c: Ctx, runner: RunnerRow, keyId: string): Promise<void> {
  const { db } = c.get('hub');
  await setRunnerEnrollmentKey(db, runner.id, keyId);
  const pending = [...((await siteStatuses(db, [runner.id])).get(runner.id) ?? [])]
    .filter(([, s]) => s === 'pending')
    .map(([d]) => d);
  await auditRequest(c, {
    action: 'runner.registered',
    actor: { kind: 'runner', id: runner.id, name: runner.name },
    target: { kind: 'runner', id: runner.id },
    details: { enrollment_key_id: keyId, name: runner.name, ...(pending.length ? { pending_sites: pending } : {}) },
  });
  if (pending.length)
    c.get('hub').log.warn('runner is a pending site: an admin approves it before it gets work for these datasets', {
      runner_id: runner.id,
      datasets: pending,
    });
}

/** A slot among the runner's concurrent long-polls (none needed for a claim that does not wait); 429 when all are taken. */
export function longPollSlot(c: Ctx, runnerId: string, waitS: number): () => void {
  if (waitS <= 0) return () => {};
  return limitsOf(c.get('hub')).longPolls.enter(runnerId);
}
