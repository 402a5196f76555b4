// The hub as a service: liveness, readiness, and small replies shared by several routes.
import { z } from 'zod';
import { Timestamp } from './common.ts';

/** `GET /healthz`: the process is up and answering. */
export const HealthReply = z.object({
  status: z.literal('ok'),
  version: z.string(), // the hub's package version
  protocol_version: z.number().int(), // runners compare this with their own PROTOCOL_VERSION
  uptime_s: z.number().min(0),
});
export type HealthReply = z.infer<typeof HealthReply>;

/** One readiness check: the database answers, the migrations are applied. */
export const ReadyCheck = z.object({
  name: z.enum(['database', 'migrations']),
  ok: z.boolean(),
  message: z.string(),
});
export type ReadyCheck = z.infer<typeof ReadyCheck>;

/** `GET /readyz`: 200 with status ready, or 503 with status not_ready and the failing checks. */
export const ReadyReply = z.object({
  status: z.enum(['ready', 'not_ready']),
  checks: z.array(ReadyCheck),
  checked_at: Timestamp,
});
export type ReadyReply = z.infer<typeof ReadyReply>;

/** A reply that only confirms (e.g. `POST /api/v1/auth/logout`). */
export const OkReply = z.object({ ok: z.literal(true) });
export type OkReply = z.infer<typeof OkReply>;

/** `GET /api/v1/openapi.json`: an OpenAPI 3.1 document (checked loosely here; the hub's tests validate it fully). */
export const OpenApiDocument = z.looseObject({
  openapi: z.string(),
  info: z.looseObject({ title: z.string(), version: z.string() }),
  paths: z.record(z.string(), z.unknown()),
});
export type OpenApiDocument = z.infer<typeof OpenApiDocument>;
