// Around POST /api/v1/auth/login: lockout before the password is checked, and every outcome in the audit log.
import { ANONYMOUS, auditRequest, clientIp } from '../audit/audit.ts';
import { limitsOf, RateLimited } from '../auth/limits.ts';
import type { UserRow } from '../db/schema.ts';
import type { Ctx } from './env.ts';

/** Throws 429 with Retry-After while the account or the client's address is locked out. */
export async function beforeLogin(c: Ctx, username: string): Promise<void> {
  try {
    limitsOf(c.get('hub')).logins.check(username, clientIp(c));
  } catch (err) {
    if (!(err instanceof RateLimited)) throw err;
    await auditRequest(c, { action: 'login.locked', actor: ANONYMOUS, details: { username, retry_after_s: err.retryAfterS } });
    throw err;
  }
}

export async function loginFailed(c: Ctx, username: string): Promise<void> {
  limitsOf(c.get('hub')).logins.failed(username, clientIp(c));
  await auditRequest(c, { action: 'login.failed', actor: ANONYMOUS, details: { username } });
}

export async function loginSucceeded(c: Ctx, user: UserRow): Promise<void> {
  limitsOf(c.get('hub')).logins.succeeded(user.username);
  await auditRequest(c, { action: 'login.ok', actor: { kind: 'user', id: user.id, name: user.username }, target: { kind: 'user', id: user.id } });
}
