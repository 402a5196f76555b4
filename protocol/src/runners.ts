// Runners: registration, heartbeats, what they advertise.
import { z } from 'zod';
import { ColumnInfo, ColumnName, DatasetName, Label, RunnerId, TaskId, Timestamp } from './common.ts';
import { CountRule, DominanceRule, Duration, ReleaseRule } from './disclosure.ts';
import { OpCode } from './ops.ts';

/** The data owner's rules for one dataset, as the runner advertises them (enforced by the runner). */
export const DatasetPolicy = z.object({
  allow_ops: z.array(OpCode).optional(),
  max_rows: z.number().int().min(0).optional(),
  min_group_size: z.number().int().min(1).optional(),
  /** Never read and never advertised: the runner drops them from the dataset (it advertises the policy without this list). */
  hidden_columns: z.array(ColumnName).max(2000).optional(),
  /** Federated studies: false keeps this site's own aggregates out of the per-site breakdown (default true). */
  site_breakdown: z.boolean().optional(),
  /** Raw rows that may leave per analyst per rolling 24 hours, over all their tasks (ops 100, 200 and 400 of data). */
  max_rows_per_day: z.number().int().min(0).optional(),
  /** Counts as they are (default), rounded to `round_base`, or perturbed with cell-key noise. */
  counts: CountRule.optional(),
  round_base: z.number().int().min(2).max(1000).optional(), // default 5
  /** Magnitudes (sums, means) whose top contributors dominate them are withheld. */
  dominance: DominanceRule.optional(),
  /** Results wait for the data owner's approval at the runner (`simpul-runner review`). */
  release: ReleaseRule.optional(),
  review_ttl: Duration.optional(), // how long a held result waits for a decision (default 7d), then the task fails
});
export type DatasetPolicy = z.infer<typeof DatasetPolicy>;

/** What a runner says about a dataset: schema only, never rows. */
export const DatasetInfo = z.object({
  name: DatasetName,
  columns: z.array(ColumnInfo).max(2000),
  row_count: z.number().int().min(0).nullable(),
  format: z.string().max(32).optional(),
  policy: DatasetPolicy.optional(),
  error: z.string().max(1000).optional(), // set when the runner could not open it
  warnings: z.array(z.string().max(500)).max(20).optional(), // what the owner should know about how it was read (rows padded, an encoding guessed)
});
export type DatasetInfo = z.infer<typeof DatasetInfo>;

/** `POST /api/v1/register`. */
export const RegisterRequest = z.object({
  enrollment_key: z.string().min(1).max(200),
  name: z.string().min(1).max(128),
  labels: z.array(Label).max(32).optional(),
  datasets: z.array(DatasetInfo).max(500).optional(),
  protocol_version: z.number().int(),
  version: z.string().max(64).optional(),
});
export type RegisterRequest = z.infer<typeof RegisterRequest>;

export const RegisterReply = z.object({
  runner_id: RunnerId,
  token: z.string(), // shown once; the hub keeps only its SHA-256
  heartbeat_interval_s: z.number().positive(),
  lease_ttl_s: z.number().positive(),
});
export type RegisterReply = z.infer<typeof RegisterReply>;

/** A lease the runner holds: which task, under which token. */
export const LeaseRef = z.object({ task_id: TaskId, lease_token: z.string().min(1).max(200) });
export type LeaseRef = z.infer<typeof LeaseRef>;

/** `POST /api/v1/ping` body and socket `runner:hello` / `runner:ping`. Renews every listed lease that is still the runner's. */
export const PingRequest = z.object({
  runner_id: RunnerId,
  leases: z.array(LeaseRef).max(1000).default([]),
  datasets: z.array(DatasetInfo).max(500).optional(), // re-advertise after a config change
  labels: z.array(Label).max(32).optional(),
  version: z.string().max(64).optional(),
  protocol_version: z.number().int().optional(),
  draining: z.boolean().optional(), // the runner is shutting down and takes no new work
  concurrency: z.number().int().min(1).max(1024).optional(), // task slots; the hub pushes no more than this at once
  batch_offers: z.boolean().optional(), // socket: the runner takes `task:offers`, several offers in one message
});
export type PingRequest = z.infer<typeof PingRequest>;
export type PingRequestInput = z.input<typeof PingRequest>;

/** keep: leases renewed, carry on. cancel: abort and report `canceled`. drop: no longer yours, abandon silently. */
export const PingReply = z.object({
  ok: z.literal(true),
  heartbeat_interval_s: z.number().positive(),
  /** Over a socket only: the interval for a runner that holds no lease (its socket's own ping/pong says it is alive);
   *  back to `heartbeat_interval_s` as soon as it holds a task. Absent: always `heartbeat_interval_s`. */
  idle_heartbeat_interval_s: z.number().positive().optional(),
  lease_ttl_s: z.number().positive(),
  keep: z.array(TaskId),
  cancel: z.array(TaskId),
  drop: z.array(TaskId),
  server_time: Timestamp,
  /** Largest result the hub stores inline (bytes); a larger one goes to the blob store (`POST /api/v1/uploads`). */
  inline_result_max: z.number().int().positive().optional(),
});
export type PingReply = z.infer<typeof PingReply>;

/** A runner's standing as a site of a dataset name: the first runner to serve a name is approved, later ones wait for an admin. */
export const SiteStatus = z.enum(['approved', 'pending', 'rejected']);
export type SiteStatus = z.infer<typeof SiteStatus>;

/** A dataset as users see it on a runner: what the runner advertised, and whether the hub sends it work for that name. */
export const RunnerDataset = DatasetInfo.extend({ site_status: SiteStatus.optional() });
export type RunnerDataset = z.infer<typeof RunnerDataset>;

/** Reply of `POST /api/v1/runners/{id}/datasets/{name}/approve` and `…/reject`. */
export const SiteDecision = z.object({ runner_id: RunnerId, dataset: DatasetName, site_status: SiteStatus });
export type SiteDecision = z.infer<typeof SiteDecision>;

export const RunnerStatus = z.enum(['online', 'busy', 'offline']);
export type RunnerStatus = z.infer<typeof RunnerStatus>;
export const Transport = z.enum(['websocket', 'polling']);
export type Transport = z.infer<typeof Transport>;

/** A runner as users see it (`GET /api/v1/runners`, socket `runner:update`). */
export const RunnerView = z.object({
  runner_id: RunnerId,
  name: z.string(),
  labels: z.array(z.string()),
  version: z.string().nullable(),
  online: z.boolean(),
  status: RunnerStatus,
  transport: Transport.nullable(),
  active_tasks: z.number().int().min(0),
  last_seen: Timestamp.nullable(),
  created_at: Timestamp,
  revoked: z.boolean(),
  datasets: z.array(RunnerDataset),
});
export type RunnerView = z.infer<typeof RunnerView>;
export const RunnerList = z.object({ runners: z.array(RunnerView) });
export type RunnerList = z.infer<typeof RunnerList>;
