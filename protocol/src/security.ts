// Security: personal API tokens, runner token rotation, runner sharing, and the audit log.
import { z } from 'zod';
import { ExpiresIn, Username } from './admin.ts';
import { Id, RunnerId, Timestamp } from './common.ts';

/** A personal API token as listed: never the token itself, which is shown once when created. */
export const ApiTokenView = z.object({
  token_id: Id,
  name: z.string(),
  created_at: Timestamp,
  expires_at: Timestamp.nullable(),
  revoked_at: Timestamp.nullable(),
});
export type ApiTokenView = z.infer<typeof ApiTokenView>;

/** `GET /api/v1/tokens`: the caller's own tokens. */
export const ApiTokenList = z.object({ tokens: z.array(ApiTokenView) });
export type ApiTokenList = z.infer<typeof ApiTokenList>;

/** `POST /api/v1/tokens` body (needs a logged-in session, not another API token). No `expires_in_s`: never expires. */
export const ApiTokenCreate = z
  .object({ name: z.string().min(1).max(128), expires_in_s: ExpiresIn.optional() })
  .strict();
export type ApiTokenCreate = z.infer<typeof ApiTokenCreate>;

/** `POST /api/v1/tokens` reply (201): `token` (`smp_…`) is shown this once; the hub keeps only its SHA-256. */
export const ApiTokenCreated = ApiTokenView.extend({ token: z.string() });
export type ApiTokenCreated = z.infer<typeof ApiTokenCreated>;

/** `POST /api/v1/runners/{id}/rotate` reply: the new runner token; the old one works until `previous_valid_until`. */
export const RunnerTokenRotated = z.object({ runner_id: RunnerId, token: z.string(), previous_valid_until: Timestamp });
export type RunnerTokenRotated = z.infer<typeof RunnerTokenRotated>;

/**
 * `POST /api/v1/runners/{id}/access` body: who may use a runner. `shared: true` (the default for a new runner) lets
 * every user use it; otherwise only admins, `owners` and `allowed_users`. Owners may also change this and revoke it.
 */
export const RunnerAccess = z
  .object({
    shared: z.boolean(),
    owners: z.array(Username).max(100).default([]),
    allowed_users: z.array(Username).max(1000).default([]),
  })
  .strict();
export type RunnerAccess = z.infer<typeof RunnerAccess>;
export type RunnerAccessInput = z.input<typeof RunnerAccess>;

/** The reply: the runner's access as stored (usernames). */
export const RunnerAccessView = z.object({
  runner_id: RunnerId,
  shared: z.boolean(),
  owners: z.array(z.string()),
  allowed_users: z.array(z.string()),
});
export type RunnerAccessView = z.infer<typeof RunnerAccessView>;

export const AUDIT_ACTIONS = [
  'login.ok',
  'login.failed',
  'login.locked', // refused by the rate limiter before the password was checked
  'logout',
  'token.created',
  'token.revoked',
  'user.created',
  'user.password_reset',
  'user.disabled',
  'user.enabled',
  'user.role_changed',
  'user.deleted',
  'enrollment_key.created',
  'enrollment_key.revoked',
  'runner.registered',
  'runner.revoked',
  'runner.token_rotated',
  'runner.access_changed',
  'site.approved', // an admin made a runner a site of a dataset name
  'site.rejected',
  'task.created',
  'task.canceled',
  'result.downloaded',
] as const;
export const AuditAction = z.enum(AUDIT_ACTIONS);
export type AuditAction = z.infer<typeof AuditAction>;

export const AuditActorKind = z.enum(['user', 'runner', 'anonymous', 'system']);
export type AuditActorKind = z.infer<typeof AuditActorKind>;

/** One line of the append-only audit log. */
export const AuditEntry = z.object({
  id: z.string(),
  at: Timestamp,
  action: AuditAction,
  actor: z.object({ kind: AuditActorKind, id: z.string().nullable(), name: z.string().nullable() }),
  ip: z.string().nullable(), // the client's address as the hub saw it
  target: z.object({ kind: z.string(), id: z.string() }).nullable(),
  /** Per action, e.g. task.created: runner_id, dataset, op, params_sha256. */
  details: z.record(z.string(), z.unknown()),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

/** Query of `GET /api/v1/audit` (admins): newest first, filtered. */
export const AuditQuery = z.object({
  action: AuditAction.optional(),
  actor_id: z.string().max(64).optional(),
  target_id: z.string().max(128).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  before: z.string().max(64).optional(), // the id of the last entry of the previous page
});
export type AuditQuery = z.infer<typeof AuditQuery>;

export const AuditList = z.object({ entries: z.array(AuditEntry) });
export type AuditList = z.infer<typeof AuditList>;
