// Table types for Kysely. Timestamps are integer epoch milliseconds; JSON columns are text.
import type { AttemptOutcome, Role, SiteStatus, StudyStatus, TaskState } from '@simpul/protocol';
import type { Generated, Kysely, Selectable } from 'kysely';

export interface UsersTable {
  id: string;
  username: string;
  password_hash: string; // scrypt$N$r$p$salt$hash
  role: Role;
  created_at: number;
  disabled_at: number | null;
}

export interface SessionsTable {
  id: string;
  token_hash: string; // SHA-256 hex of the bearer/cookie token
  user_id: string;
  created_at: number;
  expires_at: number;
  revoked_at: number | null;
}

/** Personal API tokens for curl and scripts (created by a later feature; resolved already). */
export interface ApiTokensTable {
  id: string;
  token_hash: string;
  user_id: string;
  name: string;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
}

export interface EnrollmentKeysTable {
  id: string;
  key_hash: string;
  name: string;
  created_at: number;
  revoked_at: number | null;
  single_use: Generated<number>; // 0 | 1 (0200_security)
  expires_at: number | null;
  uses: Generated<number>;
  last_used_at: number | null;
  created_by: string | null;
}

export interface RunnersTable {
  id: string;
  name: string;
  token_hash: string;
  prev_token_hash: string | null; // accepted for a while after a rotation
  labels: string; // JSON string[]
  datasets: string; // JSON DatasetInfo[]
  version: string | null;
  protocol_version: number;
  last_seen: number | null;
  transport: 'websocket' | 'polling' | null;
  draining: number; // 0 | 1: the runner takes no new work
  created_at: number;
  revoked_at: number | null;
  prev_token_expires_at: number | null; // the previous token works until then (0200_security)
  shared: number; // 1: every user may use it; 0: admins and runner_access rows only
  enrollment_key_id: string | null;
}

export interface TasksTable {
  id: string;
  op: number;
  params: string; // JSON
  dataset: string;
  target_runner_id: string | null;
  runner_id: string | null;
  status: TaskState;
  attempt: number;
  max_attempts: number;
  timeout_s: number;
  lease_token: string | null;
  lease_expires_at: number | null;
  available_at: number; // not claimable before this (retry backoff)
  progress: number | null;
  progress_message: string | null;
  created_by: string | null;
  created_at: number;
  updated_at: number;
  started_at: number | null;
  finished_at: number | null;
  deadline_at: number | null; // hub-side backstop of timeout_s for the current attempt
  leased_at: number | null; // when the current (or last) attempt was leased (1200_current_attempt)
  error: string | null; // JSON ErrorInfo
  result: string | null; // JSON, inline results only
  result_hash: string | null; // SHA-256 of the canonical JSON of the final report
  result_blob: string | null; // JSON BlobRef, for the blob store
  result_expires_at: number | null;
  cancel_requested: number; // 0 | 1
  request_id: string | null; // x-request-id of the request that created it (0800_ops)
  name: string | null; // as the analyst named it (1000_task_names)
  description: string; // describeTask(op, params), kept for search (1000_task_names)
}

export interface TaskAttemptsTable {
  id: string;
  task_id: string;
  attempt: number;
  runner_id: string;
  lease_token: string;
  started_at: number;
  ended_at: number | null;
  outcome: AttemptOutcome;
  error: string | null; // JSON ErrorInfo
}

export interface StudiesTable {
  id: string;
  dataset: string;
  analysis: string; // StudyKind
  require: 'all' | 'quorum' | 'any';
  request: string; // JSON StudyCreate
  status: StudyStatus;
  round: number; // the round in flight, or the last one
  state: string; // JSON StudyState of that round
  sites: string; // JSON runner ids asked in round 1
  result: string | null; // JSON StudyResult
  withheld_by: string; // JSON runner ids whose policy kept the per-site breakdown out
  error: string | null; // JSON ErrorInfo
  created_by: string | null;
  created_at: number;
  updated_at: number;
  finished_at: number | null;
}

/** A study's round on one runner; the task itself lives in `tasks`. */
export interface StudyTasksTable {
  task_id: string;
  study_id: string;
  round: number;
  runner_id: string;
  outcome: 'offline' | 'abandoned' | 'failed' | null; // the study's own verdict, when the task's state does not tell it
  error: string | null; // JSON ErrorInfo, with the outcome
  created_at: number;
}

/** Who may use a runner that is not shared with everyone (0200_security). */
export interface RunnerAccessTable {
  runner_id: string;
  user_id: string;
  role: 'owner' | 'user';
  created_at: number;
}

/** A runner's standing as a site of one dataset name (0900_sites). No row: a site (runners from before sites were kept). */
export interface DatasetSitesTable {
  dataset: string;
  runner_id: string;
  status: SiteStatus;
  created_at: number;
  decided_at: number | null;
  decided_by: string | null; // the admin's user id; null when trusted on first use or by SIMPUL_SITE_APPROVAL=auto
}

/** Append-only (triggers refuse UPDATE and DELETE). */
export interface AuditLogTable {
  id: string; // sorts by time
  at: number;
  action: string;
  actor_kind: 'user' | 'runner' | 'anonymous' | 'system';
  actor_id: string | null;
  actor_name: string | null;
  ip: string | null;
  target_kind: string | null;
  target_id: string | null;
  details: string; // JSON object
}

/** A file in the blob store (0100_blobs): an export or a large result, uploaded by the runner that held the task. */
export interface BlobsTable {
  id: string; // blb_…
  task_id: string;
  runner_id: string;
  attempt: number;
  backend: 'local' | 's3';
  object_key: string; // file name under the blob dir, or the S3 key
  bytes: number;
  sha256: string; // hex
  content_type: string;
  filename: string; // as downloaded
  state: 'pending' | 'stored'; // stored: the bytes arrived whole (local: checked on upload; S3: size checked when the result names it)
  created_at: number;
  stored_at: number | null;
  expires_at: number; // purged (with the object) after this: the task's result_expires_at once a result names it
}

/** Secrets the hub keeps for the blob store (0100_blobs), e.g. the key that signs the hub's own upload and download links. */
export interface BlobKeysTable {
  name: string;
  secret: string;
  created_at: number;
}

export interface Database {
  users: UsersTable;
  sessions: SessionsTable;
  api_tokens: ApiTokensTable;
  enrollment_keys: EnrollmentKeysTable;
  runners: RunnersTable;
  tasks: TasksTable;
  task_attempts: TaskAttemptsTable;
  runner_access: RunnerAccessTable;
  dataset_sites: DatasetSitesTable;
  audit_log: AuditLogTable;
  studies: StudiesTable;
  study_tasks: StudyTasksTable;
  blobs: BlobsTable;
  blob_keys: BlobKeysTable;
}

export type Db = Kysely<Database>;
export type TaskRow = Selectable<TasksTable>;
export type RunnerRow = Selectable<RunnersTable>;
export type UserRow = Selectable<UsersTable>;
export type BlobRow = Selectable<BlobsTable>;
export type AttemptRow = Selectable<TaskAttemptsTable>;
