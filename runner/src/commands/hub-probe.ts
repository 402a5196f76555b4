// Looking at a hub from the command line: is it there, which protocol does it speak, is its TLS certificate good.
import { isIP } from 'node:net';
import { checkServerIdentity, connect, type PeerCertificate } from 'node:tls';
import { HealthReply, PROTOCOL_VERSION } from '@simpul/protocol';
import { errorMessage } from '../errors.ts';

const TIMEOUT_MS = 5000;
const EXPIRY_WARN_DAYS = 14;

export type Probe = { ok: true; detail: string; warn?: string } | { ok: false; detail: string };

function cause(e: unknown): string {
  const c = (e as { cause?: { code?: string; message?: string } }).cause;
  return c?.code ?? c?.message ?? errorMessage(e);
}

/** GET /healthz; a hub from before /healthz still answers 401 at /api/v1/auth/me. */
export async function probeHub(hub: string): Promise<Probe> {
  let res: Response;
  try {
    res = await fetch(`${hub}/healthz`, { signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (e) {
    return { ok: false, detail: `cannot reach it: ${cause(e)}` };
  }
  if (res.status === 404) {
    const me = await fetch(`${hub}/api/v1/auth/me`, { signal: AbortSignal.timeout(TIMEOUT_MS) }).catch(() => undefined);
    return me?.status === 401
      ? { ok: true, detail: 'reachable (an older hub without /healthz)' }
      : { ok: false, detail: `answers, but not like a Simpul hub (GET /healthz: 404)` };
  }
  const body = await res.json().catch(() => undefined);
  const health = HealthReply.safeParse(body);
  if (res.status !== 200 || !health.success)
    return { ok: false, detail: `answers, but not like a Simpul hub (GET /healthz: ${res.status})` };
  const h = health.data;
  if (h.protocol_version !== PROTOCOL_VERSION) {
    const upgrade = h.protocol_version > PROTOCOL_VERSION ? 'upgrade this runner' : 'upgrade the hub';
    return {
      ok: false,
      detail: `speaks protocol ${h.protocol_version}, this runner speaks ${PROTOCOL_VERSION}: ${upgrade}`,
    };
  }
  return { ok: true, detail: `reachable (hub ${h.version}, protocol ${h.protocol_version})` };
}

const name = (c: PeerCertificate['subject'] | undefined) => (c && (c.CN || c.O)) || 'unknown';

/** TLS handshake with the hub: trusted chain, right host name, not expired (and not about to). */
/** `ca`: the certificates to trust instead of the system's (the system's plus ca_file, when the config names one). */
export function checkCertificate(hub: string, ca?: string[], now = Date.now()): Promise<Probe> {
  const url = new URL(hub);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = Number(url.port || 443);
  return new Promise((resolve) => {
    const socket = connect({
      host,
      port,
      servername: isIP(host) ? undefined : host,
      rejectUnauthorized: false,
      timeout: TIMEOUT_MS,
      ...(ca ? { ca } : {}),
    });
    const done = (p: Probe) => {
      socket.destroy();
      resolve(p);
    };
    socket.once('timeout', () => done({ ok: false, detail: `no TLS handshake within ${TIMEOUT_MS / 1000} s` }));
    socket.once('error', (e) => done({ ok: false, detail: `TLS handshake failed: ${errorMessage(e)}` }));
    socket.once('secureConnect', () => {
      const cert = socket.getPeerCertificate();
      if (!cert?.valid_to) return done({ ok: false, detail: 'the hub sent no certificate' });
      const until = Date.parse(cert.valid_to);
      const days = Math.floor((until - now) / 86_400_000);
      const who = `issued to ${name(cert.subject)} by ${name(cert.issuer)}, valid until ${new Date(until).toISOString().slice(0, 10)}`;
      if (!socket.authorized)
        return done({
          ok: false,
          detail: `not trusted (${socket.authorizationError}); ${who}. Use a certificate from a CA this machine trusts, or give the runner its CA with --ca-file FILE (ca_file in the config)`,
        });
      const mismatch = checkServerIdentity(host, cert);
      if (mismatch) return done({ ok: false, detail: `does not match ${host}: ${mismatch.message}` });
      if (days < EXPIRY_WARN_DAYS)
        return done({ ok: true, detail: `valid, ${who}`, warn: `expires in ${days} day(s)` });
      done({ ok: true, detail: `valid, ${who} (${days} days left)` });
    });
  });
}
