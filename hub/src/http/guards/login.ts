// Around POST /api/v1/auth/login: lockout before the password is checked, and every outcome in the audit log.
import { ANONYMOUS, auditRequest, clientIp } from '../../audit/audit.ts';
import { limitsOf, RateLimited, type LoginAttempt } from '../../auth/limits.ts';
import type { UserRow } from '../../db/schema.ts';
import { forbidden, HubError } from '../../errors.ts';
import type { Ctx } from '../env.ts';

/**
 * Login CSRF: a foreign page's auto-submitting form (text/plain, no preflight) must not log the browser in as the
 * attacker. Only JSON is read, and a browser's Origin must be the hub's own (scripts send none).
 */
export function loginRequestAllowed(c: Ctx): void {
  const type = (c.req.header('content-type') ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/json')
    throw new HubError('bad_request', 415, `log in with Content-Type: application/json, not ${type || '(none)'}`);
  const origin = c.req.header('origin');
  const own = new URL(c.req.url).origin;
  if (origin !== undefined && origin !== own)
    throw forbidden(`cross-origin login refused: Origin ${origin} is not ${own}`);
}

/** Throws 429 with Retry-After while the account or the client's address is locked out, else counts the attempt. */
export async function beforeLogin(c: Ctx, username: string): Promise<LoginAttempt> {
  try {
    return limitsOf(c.get('hub')).logins.attempt(username, clientIp(c));
  } catch (err) {
    if (!(err instanceof RateLimited)) throw err;
    await auditRequest(c, {
      action: 'login.locked',
      actor: ANONYMOUS,
      details: { username, retry_after_s: err.retryAfterS },
    });
    throw err;
  }
}

/** The failure was counted before the password was compared (beforeLogin). */
export async function loginFailed(c: Ctx, username: string): Promise<void> {
  await auditRequest(c, { action: 'login.failed', actor: ANONYMOUS, details: { username } });
}

export async function loginSucceeded(c: Ctx, user: UserRow, attempt: LoginAttempt): Promise<void> {
  attempt.succeeded();
  await auditRequest(c, {
    action: 'login.ok',
    actor: { kind: 'user', id: user.id, name: user.username },
    target: { kind: 'user', id: user.id },
  });
}
