// Random, prefixed secrets that are stored only as SHA-256 hashes and compared in constant time.
import { createHash, randomBytes, randomFillSync, timingSafeEqual } from 'node:crypto';
import { TOKEN_PREFIX } from '@simpul/protocol';

export type TokenKind = keyof typeof TOKEN_PREFIX;

/** A new secret such as `smr_<43 base64url chars>`; the prefix lets secret scanners spot it. */
export function newToken(kind: TokenKind): string {
  return TOKEN_PREFIX[kind] + randomBytes(32).toString('base64url');
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Compare two hex hashes without leaking where they differ. */
export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

export function tokenKind(token: string): TokenKind | undefined {
  return (Object.keys(TOKEN_PREFIX) as TokenKind[]).find((k) => token.startsWith(TOKEN_PREFIX[k]));
}

// Ids are made by the thousand on the hot paths (a task, its attempt, its audit row): their random parts are cut from a
// pool filled from the system's CSPRNG 8 KiB at a time, instead of one system call each. Secrets (newToken) are not.
const POOL = Buffer.alloc(8192);
let used = POOL.length;
/** `n` (≤ 64) random bytes for an id. */
export function idBytes(n: number): Buffer {
  if (used + n > POOL.length) {
    randomFillSync(POOL);
    used = 0;
  }
  used += n;
  return POOL.subarray(used - n, used);
}

/** Short random ids for rows: `<prefix>_<base64url>`, within the protocol's id alphabet. */
export function newId(prefix: string, bytes = 12): string {
  return `${prefix}_${idBytes(bytes).toString('base64url')}`;
}

let lastMs = 0;
let seq = 0;
/** Time (ms) and a per-process counter, in base 36: strings that sort in the order they were made. */
function timeKey(now: number): string {
  if (now === lastMs) seq++;
  else {
    lastMs = now;
    seq = 0;
  }
  return `${now.toString(36).padStart(9, '0')}${seq.toString(36).padStart(4, '0')}`;
}

/** Task ids sort by creation time (then by a per-process counter), so "oldest first" is stable within a batch. */
export function newTaskId(now = Date.now()): string {
  return `t${timeKey(now)}${idBytes(6).toString('base64url')}`;
}

/**
 * Ids of rows written by the thousand (attempts, lease tokens) that sort by time, so that each commit adds to the end of
 * their unique indexes instead of touching a random page of them per row; a random part keeps them unguessable.
 */
export function newSortableId(prefix: string, bytes = 12, now = Date.now()): string {
  return `${prefix}_${timeKey(now)}${idBytes(bytes).toString('base64url')}`;
}
