// Who is calling, and whether they may: runner token, logged-in user (with the CSRF Origin check), admin role.
import { getCookie } from 'hono/cookie';
import type { RunnerRow } from '../../db/schema.ts';
import { bearerOf, resolveCaller, SESSION_COOKIE, type Caller } from '../../auth/caller.ts';
import { credentialCache } from '../../auth/credential-cache.ts';
import { forbidden, unauthorized } from '../../errors.ts';
import type { Ctx } from '../env.ts';

/**
 * Lookups under way, by credential: requests that arrive with the same credential while its lookup runs (a client's
 * burst) share that lookup instead of hashing and reading it again. A user's credential, once resolved, is kept for a
 * second (credential-cache.ts), and whatever ends it drops it at once.
 */
const inFlight = new WeakMap<object, Map<string, Promise<Caller>>>();

/** Resolved once per request, only by routes that need it (login must work even with a stale cookie). */
export async function callerOf(c: Ctx): Promise<Caller> {
  const cached = c.get('caller');
  if (cached) return cached;
  const db = c.get('hub').db;
  const bearer = bearerOf(c.req.header('authorization'));
  const cookie = getCookie(c, SESSION_COOKIE);
  let lookups = inFlight.get(db);
  if (!lookups) inFlight.set(db, (lookups = new Map()));
  const key = `${bearer ?? ''}\u0000${cookie ?? ''}`;
  const known = credentialCache(c.get('hub'));
  const kept = known.get(key);
  if (kept) {
    c.set('caller', kept);
    return kept;
  }
  let pending = lookups.get(key);
  if (!pending) {
    const epoch = known.epoch;
    pending = resolveCaller(db, bearer, cookie).then((caller) => {
      if (caller.kind === 'user') known.put(key, caller, epoch);
      return caller;
    });
    lookups.set(key, pending);
    const forget = () => lookups.delete(key);
    pending.then(forget, forget);
  }
  const caller = await pending;
  c.set('caller', caller);
  return caller;
}

export async function requireRunner(c: Ctx): Promise<RunnerRow> {
  const caller = await callerOf(c);
  if (caller.kind === 'none') throw unauthorized('this endpoint needs a runner token: "Authorization: Bearer smr_..."');
  if (caller.kind !== 'runner') throw forbidden('this endpoint is for runners');
  return caller.runner;
}

export type UserCaller = Extract<Caller, { kind: 'user' }>;

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** A logged-in user; a cookie-authenticated change must come from the hub's own pages (Origin check against CSRF). */
export async function requireUser(c: Ctx, role?: 'admin'): Promise<UserCaller> {
  const caller = await callerOf(c);
  if (caller.kind === 'none') throw unauthorized();
  if (caller.kind !== 'user') throw forbidden('runner tokens cannot use this endpoint');
  if (caller.via === 'cookie' && !SAFE_METHODS.has(c.req.method)) {
    const origin = c.req.header('origin');
    const own = new URL(c.req.url).origin;
    if (origin !== own) throw forbidden(`cross-origin request refused: Origin ${origin ?? '(none)'} is not ${own}`);
  }
  if (role && caller.user.role !== role) throw forbidden('admins only');
  return caller;
}

export const isAdmin = (u: UserCaller) => u.user.role === 'admin';
