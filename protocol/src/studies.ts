// Studies as the hub shows them: the fan-out tree (rounds × runners), the combined result, and the HTTP replies.
import { z } from 'zod';
import { DatasetName, Id, RunnerId, TaskId, Timestamp } from './common.ts';
import { ErrorInfo } from './errors.ts';
import { FederatedStep, StudyCreate, StudyKind, StudyRequire } from './federated.ts';
import { StudyResult } from './federated-results.ts';
import { TaskState } from './tasks.ts';

export const StudyId = Id;
export type StudyId = z.infer<typeof StudyId>;

export const STUDY_STATUSES = ['running', 'succeeded', 'failed', 'canceled'] as const;
export const StudyStatus = z.enum(STUDY_STATUSES);
export type StudyStatus = z.infer<typeof StudyStatus>;

/**
 * What one runner's sub-task did for its round: `pending` (queued, leased or running), `delivered` (its partial counts),
 * `failed` (failed or canceled, e.g. `policy_denied`), `offline` (its runner was away too long; the study stopped
 * waiting), `abandoned` (still open when the study ended; it was canceled).
 */
export const SubTaskOutcome = z.enum(['pending', 'delivered', 'failed', 'offline', 'abandoned']);
export type SubTaskOutcome = z.infer<typeof SubTaskOutcome>;

export const StudySubTask = z.object({
  runner_id: RunnerId,
  runner_name: z.string().nullable(),
  task_id: TaskId,
  status: TaskState, // the sub-task's own lifecycle state
  attempt: z.number().int().min(0),
  outcome: SubTaskOutcome,
  error: ErrorInfo.nullable(),
});
export type StudySubTask = z.infer<typeof StudySubTask>;

export const StudyRound = z.object({
  round: z.number().int().min(1),
  step: FederatedStep,
  tasks: z.array(StudySubTask),
});
export type StudyRound = z.infer<typeof StudyRound>;

/** A runner taking part: `active` while it delivers every round, `dropped` from the round it missed on. */
export const StudySite = z.object({
  runner_id: RunnerId,
  name: z.string().nullable(),
  status: z.enum(['active', 'dropped']),
  dropped_in_round: z.number().int().nullable(),
  error: ErrorInfo.nullable(), // why it was dropped
});
export type StudySite = z.infer<typeof StudySite>;

/** A study in lists and in the socket `study:update` event. */
export const StudySummary = z.object({
  study_id: StudyId,
  dataset: DatasetName,
  analysis: StudyKind,
  description: z.string(), // what it computes (describe.ts): "Logistic: diabetes ~ age + bmi on patients"
  require: StudyRequire,
  status: StudyStatus,
  round: z.number().int().min(1), // the round in flight, or the last one
  sites: z.number().int().min(0), // runners asked in round 1
  error: ErrorInfo.nullable(),
  created_by: z.string().nullable(),
  created_at: Timestamp,
  updated_at: Timestamp,
  finished_at: Timestamp.nullable(),
});
export type StudySummary = z.infer<typeof StudySummary>;

/** `GET /api/v1/studies/{id}`. */
export const StudyView = StudySummary.extend({
  request: StudyCreate,
  site_list: z.array(StudySite),
  rounds: z.array(StudyRound), // oldest first
  /** The combined result once succeeded; its `per_site` is empty when `per_site_withheld_by` names anyone. */
  result: StudyResult.nullable(),
  /** Runners whose dataset policy keeps their own numbers private (`site_breakdown: false`): no site's are shown. */
  per_site_withheld_by: z.array(RunnerId),
});
export type StudyView = z.infer<typeof StudyView>;

/** `POST /api/v1/studies` reply (201). */
export const StudyCreated = z.object({ study_id: StudyId, status: StudyStatus });
export type StudyCreated = z.infer<typeof StudyCreated>;

export const StudyList = z.object({ studies: z.array(StudySummary) });
export type StudyList = z.infer<typeof StudyList>;

/** Query of `GET /api/v1/studies`. */
export const StudyListQuery = z.object({
  status: StudyStatus.optional(),
  dataset: DatasetName.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  before: Timestamp.optional(), // created_at of the last study of the previous page
});
export type StudyListQuery = z.infer<typeof StudyListQuery>;

/** Query of `GET /api/v1/studies/{id}/export`: the study's pooled result as a file. */
export const StudyExportQuery = z.object({ format: z.enum(['xlsx', 'csv', 'json', 'pdf']) });
export type StudyExportQuery = z.infer<typeof StudyExportQuery>;

/** `POST /api/v1/studies/{id}/cancel` reply. */
export const StudyCancelReply = z.object({ study_id: StudyId, status: StudyStatus });
export type StudyCancelReply = z.infer<typeof StudyCancelReply>;
