// Rate limits kept in this hub's memory: failed logins (lockout with backoff), tasks per analyst, long-polls per runner.
import type { HubContext } from '../context.ts';
import { HubError } from '../errors.ts';
import type { SecurityConfig } from './security-config.ts';

const WINDOW_MS = 15 * 60_000; // failures older than this are forgotten

/** 429 with Retry-After (whole seconds, at least 1). */
export class RateLimited extends HubError {
  constructor(
    message: string,
    readonly retryAfterS: number,
  ) {
    super('rate_limited', 429, message, { retry_after_s: retryAfterS });
  }

  override headers(): Record<string, string> {
    return { 'Retry-After': String(this.retryAfterS) };
  }
}

/** A login attempt counted as a failure until the password turns out right. */
export interface LoginAttempt {
  succeeded(): void;
}

interface Failures {
  count: number;
  last: number;
}

/**
 * Failed logins per account (the username asked for, known or not) and per client address. The first `free` failures
 * cost nothing; each further one locks the key for 1 s, 2 s, 4 s, … up to `maxMs`. A success clears the account,
 * never the address (or one good login would reset an attacker's count).
 */
export class LoginLimiter {
  private readonly accounts = new Map<string, Failures>();
  private readonly addresses = new Map<string, Failures>();

  constructor(private readonly config: SecurityConfig) {}

  private lockedFor(map: Map<string, Failures>, key: string, free: number, now: number): number {
    const f = map.get(key);
    if (!f || now - f.last > WINDOW_MS) return 0;
    if (f.count < free) return 0;
    const wait = Math.min(this.config.loginLockoutMaxMs, 1000 * 2 ** (f.count - free));
    return Math.max(0, f.last + wait - now);
  }

  /** Throws 429 when the account or the address is locked out right now. */
  check(username: string, ip: string | null, now = Date.now()): void {
    const account = this.lockedFor(this.accounts, username.toLowerCase(), this.config.loginMaxFailures, now);
    if (account > 0)
      throw new RateLimited(
        `too many failed logins for this account: try again in ${Math.ceil(account / 1000)} s`,
        Math.ceil(account / 1000),
      );
    const address = ip ? this.lockedFor(this.addresses, ip, this.config.loginMaxFailuresPerAddress, now) : 0;
    if (address > 0)
      throw new RateLimited(
        `too many failed logins from your address: try again in ${Math.ceil(address / 1000)} s`,
        Math.ceil(address / 1000),
      );
  }

  /**
   * One login attempt, counted as a failure before the password is compared (a success takes it back), so that
   * concurrent attempts cannot outrun the limit: throws 429 when the account or address is locked out.
   */
  attempt(username: string, ip: string | null, now = Date.now()): LoginAttempt {
    this.check(username, ip, now);
    const before = ip ? { ...(this.addresses.get(ip) ?? { count: 0, last: 0 }) } : undefined;
    this.failed(username, ip, now);
    return {
      succeeded: () => {
        this.accounts.delete(username.toLowerCase());
        // The address gets back this attempt as if it never happened (a success never counts against it).
        const f = ip ? this.addresses.get(ip) : undefined;
        if (f && before) {
          f.count = Math.max(0, f.count - 1);
          if (f.count <= before.count) f.last = before.last;
        }
      },
    };
  }

  failed(username: string, ip: string | null, now = Date.now()): void {
    this.bump(this.accounts, username.toLowerCase(), now);
    if (ip) this.bump(this.addresses, ip, now);
  }

  succeeded(username: string): void {
    this.accounts.delete(username.toLowerCase());
  }

  private bump(map: Map<string, Failures>, key: string, now: number): void {
    const f = map.get(key);
    if (f && now - f.last <= WINDOW_MS) {
      f.count++;
      f.last = now;
    } else map.set(key, { count: 1, last: now });
    // Bounded memory under a spray of usernames: forget what is past the window.
    if (map.size > 50_000) for (const [k, v] of map) if (now - v.last > WINDOW_MS) map.delete(k);
  }
}

/** Tasks per user per minute as a token bucket: a full minute's worth may come at once, then it refills steadily. */
export class TaskBucket {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly perMinute: number) {}

  /** Takes `n` tokens for `userId`, or throws 429 saying when that many will be there. */
  take(userId: string, n: number, now = Date.now()): void {
    if (this.perMinute <= 0) return;
    if (n > this.perMinute)
      throw new RateLimited(
        `a batch of ${n} tasks is more than the ${this.perMinute} tasks per minute allowed: split it`,
        60,
      );
    const rate = this.perMinute / 60_000; // tokens per ms
    const b = this.buckets.get(userId) ?? { tokens: this.perMinute, at: now };
    b.tokens = Math.min(this.perMinute, b.tokens + (now - b.at) * rate);
    b.at = now;
    if (b.tokens < n) {
      this.buckets.set(userId, b);
      const wait = Math.max(1, Math.ceil((n - b.tokens) / rate / 1000));
      throw new RateLimited(`too many tasks: at most ${this.perMinute} per minute; try again in ${wait} s`, wait);
    }
    b.tokens -= n;
    this.buckets.set(userId, b);
  }

  /** Takes `n` tokens for work already under way (a study's later rounds): never refuses, but the next take waits. */
  charge(userId: string, n: number, now = Date.now()): void {
    if (this.perMinute <= 0) return;
    const b = this.buckets.get(userId) ?? { tokens: this.perMinute, at: now };
    b.tokens = Math.min(this.perMinute, b.tokens + (now - b.at) * (this.perMinute / 60_000)) - n;
    b.at = now;
    this.buckets.set(userId, b);
  }
}

/**
 * Concurrent long-polls per runner (a runner needs one or two) or per user (result waits: one per open task page):
 * more is a bug or an attack holding connections open.
 */
export class LongPollGate {
  private readonly open = new Map<string, number>();

  constructor(
    private readonly max: number,
    private readonly what = 'runner',
  ) {}

  /** Returns a release function, or throws 429. */
  enter(runnerId: string): () => void {
    const n = this.open.get(runnerId) ?? 0;
    if (n >= this.max)
      throw new RateLimited(`${this.what} ${runnerId} already has ${n} long-polls open (the limit is ${this.max})`, 1);
    this.open.set(runnerId, n + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.open.get(runnerId) ?? 1) - 1;
      if (left <= 0) this.open.delete(runnerId);
      else this.open.set(runnerId, left);
    };
  }
}

export interface Limits {
  logins: LoginLimiter;
  tasks: TaskBucket;
  longPolls: LongPollGate;
  resultWaits: LongPollGate;
}

/** `GET /result/{id}?wait=` requests a user may hold open at once. */
export const RESULT_WAITS_PER_USER = 16;

const perHub = new WeakMap<HubContext['config'], Limits>();

/** This hub's limiters (one set per hub config, so that several hubs in one test process do not share counts). */
export function limitsOf(ctx: Pick<HubContext, 'config'>): Limits {
  let l = perHub.get(ctx.config);
  if (!l) {
    const s = ctx.config.security;
    l = {
      logins: new LoginLimiter(s),
      tasks: new TaskBucket(s.tasksPerMinute),
      longPolls: new LongPollGate(s.longPollsPerRunner),
      resultWaits: new LongPollGate(RESULT_WAITS_PER_USER, 'user'),
    };
    perHub.set(ctx.config, l);
  }
  return l;
}
