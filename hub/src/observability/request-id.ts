// Request ids: taken from `x-request-id` when the caller sends a sensible one, otherwise minted; echoed in the reply.
import { newId } from '../auth/tokens.ts';

export const REQUEST_ID_HEADER = 'x-request-id';

// Printable and short, so that a request id can go into log lines and headers as is.
const ACCEPTED = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

export function newRequestId(): string {
  return newId('req'); // from the pooled id randomness: one per request, not a secret
}

/** The caller's id when it is acceptable, else a new one (an unusable header is replaced, not refused). */
export function requestIdFrom(header: string | undefined | null): string {
  const given = header?.trim();
  return given && ACCEPTED.test(given) ? given : newRequestId();
}
