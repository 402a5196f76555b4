// Signed links for the hub's own blob store: HMAC-SHA256 over method, blob id and expiry, checked in constant time.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Db } from '../db/schema.ts';

export type LinkMethod = 'GET' | 'PUT';
export type Verdict = 'ok' | 'expired' | 'bad';

export class LinkSigner {
  constructor(private readonly secret: Buffer) {}

  /** The signature of one link; the method is part of it, so that a download link cannot upload. */
  sign(method: LinkMethod, blobId: string, exp: number): string {
    return createHmac('sha256', this.secret).update(`${method}\n${blobId}\n${exp}`).digest('base64url');
  }

  /** `exp` is epoch seconds. A bad signature is `bad` whatever its expiry, so expiry says nothing about forged links. */
  verify(method: LinkMethod, blobId: string, exp: number, sig: string, now = Date.now()): Verdict {
    const want = Buffer.from(this.sign(method, blobId, exp));
    const got = Buffer.from(sig);
    if (got.length !== want.length || !timingSafeEqual(got, want)) return 'bad';
    return exp * 1000 < now ? 'expired' : 'ok';
  }

  /** `?exp=…&sig=…` for a link that works for `ttlS` seconds from `now`. */
  query(method: LinkMethod, blobId: string, ttlS: number, now = Date.now()): { query: string; expiresAt: number } {
    const exp = Math.floor(now / 1000) + ttlS;
    return { query: `exp=${exp}&sig=${this.sign(method, blobId, exp)}`, expiresAt: exp * 1000 };
  }
}

const KEY_NAME = 'link-signing';

/** The signing key: from the config, else generated once and kept in the database (so every hub sharing it agrees). */
export async function linkSigner(db: Db, configured?: string): Promise<LinkSigner> {
  if (configured) return new LinkSigner(Buffer.from(configured, 'utf8'));
  await db
    .insertInto('blob_keys')
    .values({ name: KEY_NAME, secret: randomBytes(32).toString('base64url'), created_at: Date.now() })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const row = await db.selectFrom('blob_keys').select('secret').where('name', '=', KEY_NAME).executeTakeFirstOrThrow();
  return new LinkSigner(Buffer.from(row.secret, 'utf8'));
}
