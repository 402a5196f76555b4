// Security headers on every response: the web app's CSP (plus frame-ancestors), HSTS over TLS, nosniff, Referrer-Policy.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { MiddlewareHandler } from 'hono';
import type { HubContext } from '../context.ts';
import type { HubEnv } from './env.ts';

/** Used while no web build is there (the hub's own "not built yet" page has no scripts at all). */
const FALLBACK_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'";
/** API replies are data, never pages: nothing in them may run or be framed. */
const API_CSP = "default-src 'none'; frame-ancestors 'none'";
const HSTS = 'max-age=15552000'; // 180 days; no includeSubDomains: the hub may share a domain with other sites
/** Host headers of the machine itself, which browsers treat as a secure context even over plain HTTP. */
const LOOPBACK_HOST = /^(localhost|[^:]+\.localhost|127(?:\.\d{1,3}){3}|\[::1\])(?::\d+)?$/i;

/**
 * The build's `<meta http-equiv="content-security-policy">` carries the hashes of SvelteKit's inline scripts, which
 * change with each build; a header policy applies on top of the meta one, so the header must be the same policy
 * (plus what a meta tag cannot say: frame-ancestors). Read once the build is there.
 */
export function metaCsp(html: string): string | undefined {
  const tag = /<meta\s+http-equiv=["']content-security-policy["'][^>]*>/i.exec(html)?.[0];
  const content = tag && /content=(?:"([^"]*)"|'([^']*)')/i.exec(tag);
  const policy = content ? (content[1] ?? content[2]) : undefined;
  return policy?.trim().replace(/;\s*$/, '') || undefined;
}

export function securityHeaders(hub: HubContext): MiddlewareHandler<HubEnv> {
  const index = path.join(hub.config.webDir, 'index.html');
  let pageCsp: string | undefined;
  const htmlCsp = () => {
    if (!pageCsp) {
      try {
        const found = metaCsp(readFileSync(index, 'utf8'));
        if (found) pageCsp = `${found}; frame-ancestors 'none'`;
      } catch {
        // not built yet: the fallback below, and look again next time
      }
    }
    return pageCsp ?? `${FALLBACK_CSP}; frame-ancestors 'none'`;
  };
  const tls = hub.config.security.tls !== undefined;

  return async (c, next) => {
    await next();
    const h = c.res.headers;
    const html = (h.get('content-type') ?? '').startsWith('text/html');
    // A page that brings its own policy (e.g. /api/docs) keeps it; it must say frame-ancestors itself.
    if (!h.has('Content-Security-Policy')) h.set('Content-Security-Policy', html ? htmlCsp() : API_CSP);
    h.set('X-Content-Type-Options', 'nosniff');
    h.set('Referrer-Policy', 'no-referrer');
    h.set('X-Frame-Options', 'DENY');
    // Browsers honour COOP only on trustworthy origins and complain in the console about it elsewhere (a hub reached over
    // plain HTTP on a LAN): it goes where it can take effect.
    if (tls || c.req.header('x-forwarded-proto') === 'https' || LOOPBACK_HOST.test(c.req.header('host') ?? ''))
      h.set('Cross-Origin-Opener-Policy', 'same-origin');
    if (tls) h.set('Strict-Transport-Security', HSTS);
  };
}
