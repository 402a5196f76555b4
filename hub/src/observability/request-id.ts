// Request ids: taken from `x-request-id` when the caller sends a sensible one, otherwise minted; echoed in the reply.
import { randomBytes } from 'node:crypto';

export const REQUEST_ID_HEADER = 'x-request-id';

// Printable and short, so that a request id can go into log lines and headers as is.
const ACCEPTED = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

export function newRequestId(): string {
  return `req_${randomBytes(12).toString('base64url')}`;
}

/** The caller's id when it is acceptable, else a new one (an unusable header is replaced, not refused). */
export function requestIdFrom(header: string | undefined | null): string {
  const given = header?.trim();
  return given && ACCEPTED.test(given) ? given : newRequestId();
}
