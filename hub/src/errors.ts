// The hub's named errors and the one place that turns them into HTTP error bodies.
import { type ErrorBody, type ErrorCode, problemsOf } from '@simpul/protocol';
import type { z } from 'zod';

export type HttpStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 429 | 500 | 503;

export class HubError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly status: HttpStatus,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'HubError';
  }

  body(): ErrorBody {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.details === undefined ? {} : { details: this.details }),
      },
    };
  }

  /** Response headers that go with the error (e.g. Retry-After). */
  headers(): Record<string, string> | undefined {
    return undefined;
  }
}

export const badRequest = (message: string, details?: unknown) => new HubError('bad_request', 400, message, details);

/** A 400 for input that failed its schema: the message names the first problem and its place, the details list them all. */
export function invalidInput(what: string, error: z.ZodError): HubError {
  const problems = problemsOf(error);
  const first = problems[0];
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''})` : '';
  return badRequest(
    `${what}${first ? `: ${first.path ? `${first.path}: ` : ''}${first.message}${more}` : ''}`,
    problems,
  );
}

export const unauthorized = (
  message = 'missing or invalid credentials: send "Authorization: Bearer <token>" or log in',
) => new HubError('unauthorized', 401, message);
export const forbidden = (message: string) => new HubError('forbidden', 403, message);
export const notFound = (message: string) => new HubError('not_found', 404, message);
export const conflict = (message: string, details?: unknown) => new HubError('conflict', 409, message, details);
export const staleLease = (taskId: string) =>
  new HubError('stale_lease', 409, `lease token for task ${taskId} is no longer current: drop this work`);
export const tooLarge = (message: string) => new HubError('payload_too_large', 413, message);
export const unavailable = (message: string) => new HubError('unavailable', 503, message);

/** Any thrown value as an error body; unknown errors become `internal` and are not described to the caller. */
export function toErrorBody(err: unknown): { status: HttpStatus; body: ErrorBody } {
  if (err instanceof HubError) return { status: err.status, body: err.body() };
  return { status: 500, body: { error: { code: 'internal', message: 'internal error; the hub logged the details' } } };
}

/** Says which side is behind, so that the message tells the operator what to upgrade. */
export function protocolMismatch(theirs: number, ours: number, who = 'runner'): HubError {
  const upgrade = theirs > ours ? 'upgrade the hub' : `upgrade the ${who}`;
  return new HubError('protocol_mismatch', 400, `${who} speaks protocol ${theirs}, hub speaks ${ours}: ${upgrade}`);
}
