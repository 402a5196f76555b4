// `npm run hub -- --tls self-signed`: make (or re-use) a local certificate and serve HTTPS with it; print its fingerprint.
import type { HubConfig } from '../config.ts';
import { ensureSelfSigned, loadTls, TlsError } from './tls.ts';

export interface TlsStart {
  config: HubConfig;
  /** Lines for the start-up banner: where the certificate is and its SHA-256 fingerprint. */
  lines: string[];
}

/** Reads `--tls self-signed` (or `--tls=self-signed`) from the hub's arguments; other arguments are left alone. */
export async function tlsFromFlags(args: string[], config: HubConfig): Promise<TlsStart> {
  const i = args.findIndex((a) => a === '--tls' || a.startsWith('--tls='));
  let security = config.security;
  const lines: string[] = [];
  if (i >= 0) {
    const mode = args[i].startsWith('--tls=') ? args[i].slice('--tls='.length) : args[i + 1];
    if (mode !== 'self-signed')
      throw new TlsError(
        `--tls takes "self-signed" (for a certificate of your own, set SIMPUL_TLS_CERT and SIMPUL_TLS_KEY)`,
      );
    if (security.tls)
      throw new TlsError('--tls self-signed and SIMPUL_TLS_CERT/SIMPUL_TLS_KEY exclude each other: pick one');
    const made = await ensureSelfSigned(config.dataDir, config.host);
    security = { ...security, tls: { cert: made.cert, key: made.key } };
    lines.push(`  self-signed certificate ${made.created ? 'made now' : 're-used'}: ${made.cert}`);
    lines.push(`  runners trust it with: --ca-file ${made.cert}`);
  }
  if (security.tls) {
    const { fingerprint } = loadTls(security.tls);
    lines.push(`  TLS certificate SHA-256 fingerprint: ${fingerprint}`);
  }
  return { config: { ...config, security }, lines };
}
