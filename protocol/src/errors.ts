// The one error shape every HTTP 4xx/5xx body and every failed task carries.
import { z } from 'zod';

export const ErrorCode = z.enum([
  'bad_request', // body, query or params did not parse
  'unauthorized', // no credentials, or credentials not valid
  'forbidden', // valid credentials, but not allowed to touch this
  'not_found',
  'conflict', // e.g. a different result for the same attempt, cancel of a finished task
  'stale_lease', // the lease token is not the task's current one: drop the work
  'protocol_mismatch', // runner and hub speak different PROTOCOL_VERSIONs
  'payload_too_large',
  'rate_limited',
  'unavailable', // the hub is shutting down or its database is unreachable
  'internal',
  'site_not_approved', // the runner is a pending or rejected site of the dataset: an admin approves it first
  'schema_mismatch', // a study's column is missing, or of another kind, at one of its sites
  // task failure codes (TaskError.code)
  'dataset_not_found',
  'unknown_column',
  'invalid_params',
  'policy_denied',
  'timeout',
  'lost', // the runner holding the task vanished max_attempts times
  'canceled',
  'op_failed',
  'release_denied', // the data owner looked at the result and did not release it
  'release_expired', // the data owner did not decide within the policy's review_ttl
  'implausible_partial', // a study site sent aggregates that cannot be true (more rows than it has, negative counts, …)
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const ErrorInfo = z.object({
  code: z.string(),
  message: z.string(),
  details: z.unknown().optional(),
});
export type ErrorInfo = z.infer<typeof ErrorInfo>;

/** Body of every HTTP error response: `{ "error": { "code", "message", "details"? } }`. */
export const ErrorBody = z.object({ error: ErrorInfo });
export type ErrorBody = z.infer<typeof ErrorBody>;

/** Why a task failed; the same shape as an HTTP error. */
export const TaskError = ErrorInfo;
export type TaskError = ErrorInfo;
