// Which certificates the runner trusts for an https:// hub: the system's, plus the operator's CA file (ca_file / --ca-file),
// for every HTTP request (fetch) and for the socket alike. Certificates are always verified; there is no switch to skip it.
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { Agent, setGlobalDispatcher } from 'undici';
import { ConfigError } from './errors.ts';

let socketOptions: { ca?: string[] } = {};

/** Trust `file` (PEM, one or more certificates) from now on, in this process. */
export function trustCaFile(file: string): void {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`ca_file: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new ConfigError(`ca_file: ${file} holds no PEM certificate`);
  const ca = [...rootCertificates, pem];
  // Node's fetch is undici: its global dispatcher decides which CAs a TLS connection accepts.
  setGlobalDispatcher(new Agent({ connect: { ca } }));
  socketOptions = { ca };
}

/** Options for socket.io-client (passed on to its WebSocket) so that WSS trusts the same certificates as fetch. */
export function socketTlsOptions(): { ca?: string[] } {
  return socketOptions;
}

/** A failed request's message, with what to do when the cause is a certificate the runner does not trust. */
export function explainTlsError(message: string): string {
  if (!/certificate|self.signed|CERT_|unable to verify/i.test(message)) return message;
  return `${message}: the hub's TLS certificate is not trusted by this runner; give its CA with --ca-file FILE (ca_file in the config), e.g. the hub's <data dir>/tls/cert.pem for --tls self-signed`;
}
