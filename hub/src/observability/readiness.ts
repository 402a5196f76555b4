// Readiness: the database answers a query and every migration this hub knows has been applied.
import { sql } from 'kysely';
import type { ReadyCheck, ReadyReply } from '@simpul/protocol';
import type { Db } from '../db/schema.ts';
import { pendingMigrations } from '../db/migrations.ts';

const TIMEOUT_MS = 5000; // a load balancer's probe should not hang on a stuck pool

function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err)).split('\n')[0];

export async function readiness(db: Db, now = Date.now()): Promise<ReadyReply> {
  const checks: ReadyCheck[] = [];
  let reachable = false;
  try {
    await within(TIMEOUT_MS, sql`select 1`.execute(db));
    reachable = true;
    checks.push({ name: 'database', ok: true, message: 'the database answers' });
  } catch (err) {
    checks.push({ name: 'database', ok: false, message: `the database does not answer: ${message(err)}` });
  }
  if (reachable) {
    try {
      const pending = await within(TIMEOUT_MS, pendingMigrations(db));
      checks.push(
        pending.length === 0
          ? { name: 'migrations', ok: true, message: 'all migrations are applied' }
          : { name: 'migrations', ok: false, message: `migrations not applied: ${pending.join(', ')}` },
      );
    } catch (err) {
      checks.push({ name: 'migrations', ok: false, message: `cannot read the migration table: ${message(err)}` });
    }
  } else {
    checks.push({ name: 'migrations', ok: false, message: 'not checked: the database does not answer' });
  }
  return { status: checks.every((c) => c.ok) ? 'ready' : 'not_ready', checks, checked_at: new Date(now).toISOString() };
}
