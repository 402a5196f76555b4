// Who is calling: a runner, a user (admin | analyst) or nobody, from `Authorization: Bearer` or the session cookie.
import type { RunnerRow, UserRow, Db } from '../db/schema.ts';
import { HubError, unauthorized } from '../errors.ts';
import { findRunnerByToken } from '../store/runners.ts';
import { userForSession } from '../store/users.ts';
import { userForApiToken } from './api-tokens.ts';
import { tokenKind } from './tokens.ts';

export const SESSION_COOKIE = 'simpul_session';

export type Caller =
  | { kind: 'none' }
  | { kind: 'runner'; runner: RunnerRow }
  | {
      kind: 'user';
      user: UserRow;
      sessionId?: string;
      tokenId?: string;
      expiresAt?: number | null;
      via: 'bearer' | 'cookie';
    };

export function bearerOf(header: string | undefined | null): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return m?.[1];
}

/** Throws 401 for credentials that are present but not valid; no credentials at all is `none`. */
export async function resolveCaller(db: Db, bearer: string | undefined, cookie: string | undefined): Promise<Caller> {
  if (bearer !== undefined) {
    const kind = tokenKind(bearer);
    if (kind === 'runner') {
      const runner = await findRunnerByToken(db, bearer);
      if (!runner) throw unauthorized('runner token not valid: register again with an enrolment key');
      // details.revoked: the runner stops for good instead of enrolling again with its key.
      if (runner.revoked_at !== null)
        throw new HubError('unauthorized', 401, `runner ${runner.id} was revoked; ask an admin for a new enrolment`, {
          revoked: true,
        });
      return { kind: 'runner', runner };
    }
    if (kind === 'session' || kind === 'api') {
      const cred = kind === 'session' ? await userForSession(db, bearer) : await userForApiToken(db, bearer);
      if (!cred) throw unauthorized('token not valid or expired: log in again');
      return { kind: 'user', ...cred, via: 'bearer' };
    }
    throw unauthorized('unknown kind of token');
  }
  if (cookie) {
    const cred = await userForSession(db, cookie);
    if (!cred) throw unauthorized('session expired: log in again');
    return { kind: 'user', ...cred, via: 'cookie' };
  }
  return { kind: 'none' };
}
