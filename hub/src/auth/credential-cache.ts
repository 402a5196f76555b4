// Users' credentials (sessions and API tokens) resolved in the last second, kept so that a client's stream of requests
// is not hashed and read from the database once per request (a third of a small create's cost). Whatever ends a
// credential drops it from here at once: logout, password reset, a revoked token, a disabled, demoted or deleted user,
// on this hub (the `signedOut` event) or on another one sharing the database (relayed as `signedOutElsewhere`). With no
// relay (SIMPUL_CLUSTER=off), another hub's change is seen within a second.
import type { HubContext } from '../context.ts';
import type { SignedOut } from '../queue/notifier.ts';
import type { Caller } from './caller.ts';

type UserCaller = Extract<Caller, { kind: 'user' }>;

/** How long a resolved credential is used without reading it again. */
export const CREDENTIAL_TTL_MS = 1000;
/** At most this many are kept; the oldest go first. */
const MAX_ENTRIES = 10_000;

interface Entry {
  caller: UserCaller;
  until: number;
}

export class CredentialCache {
  private readonly entries = new Map<string, Entry>();
  /** Counts sign-outs: a lookup that began before one may have read what it ended, and is not kept. */
  epoch = 0;

  constructor(private readonly ttlMs = CREDENTIAL_TTL_MS) {}

  /** The caller resolved for `key` (the request's credentials) within the TTL, if it has not expired since. */
  get(key: string, now = Date.now()): UserCaller | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    const expiresAt = e.caller.expiresAt;
    if (e.until <= now || (expiresAt != null && expiresAt <= now)) {
      this.entries.delete(key);
      return undefined;
    }
    return e.caller;
  }

  /** Keeps what a lookup begun at `epoch` found, unless a sign-out came in between. */
  put(key: string, caller: UserCaller, epoch: number, now = Date.now()): void {
    if (epoch !== this.epoch) return;
    if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { caller, until: now + this.ttlMs });
  }

  /** Drops what a sign-out ended: one session or API token, or (to be sure) everything of a user. */
  forget(who: SignedOut): void {
    this.epoch++;
    for (const [key, { caller }] of this.entries) {
      const ended =
        'credentialId' in who
          ? caller.sessionId === who.credentialId || caller.tokenId === who.credentialId
          : caller.user.id === ('sessionsOf' in who ? who.sessionsOf : who.userId);
      if (ended) this.entries.delete(key);
    }
  }

  get size(): number {
    return this.entries.size;
  }
}

const caches = new WeakMap<HubContext, CredentialCache>();

/** The hub's cache, listening for sign-outs from its first use. */
export function credentialCache(ctx: HubContext): CredentialCache {
  let cache = caches.get(ctx);
  if (!cache) {
    const made = new CredentialCache();
    ctx.events.on('signedOut', (who) => made.forget(who));
    ctx.events.on('signedOutElsewhere', (who) => made.forget(who));
    caches.set(ctx, (cache = made));
  }
  return cache;
}
