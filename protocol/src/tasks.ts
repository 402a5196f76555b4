// Tasks: what analysts create, what runners receive, what comes back.
import { z } from 'zod';
import { DatasetName, Id, RunnerId, TaskId, Timestamp } from './common.ts';
import { ErrorBody, ErrorInfo } from './errors.ts';
import { AnalysisParams, ExportParams, FetchParams, FilterParams, OpCode } from './ops.ts';

export const TASK_STATES = ['queued', 'leased', 'running', 'succeeded', 'failed', 'canceled'] as const;
export const TaskState = z.enum(TASK_STATES);
export type TaskState = z.infer<typeof TaskState>;
export const FINAL_STATES: readonly TaskState[] = ['succeeded', 'failed', 'canceled'];
export const isFinal = (s: TaskState) => FINAL_STATES.includes(s);

export const MAX_TIMEOUT_S = 7 * 24 * 3600;

/** A name the analyst gives a task, shown in lists and titles instead of its description. */
export const TaskName = z
  .string()
  .trim()
  .min(1, 'a task name needs at least one character')
  .max(120)
  .regex(/^[^\p{Cc}]*$/u, 'a task name is one line without control characters');
export type TaskName = z.infer<typeof TaskName>;

const TaskCommon = {
  /** Run on this runner. Without it, any online runner that advertises params.dataset may take the task. */
  runner_id: RunnerId.optional(),
  timeout_s: z.number().int().min(1).max(MAX_TIMEOUT_S).optional(),
  max_attempts: z.number().int().min(1).max(10).optional(),
  name: TaskName.optional(),
};

/** `POST /api/v1/tasks` body (or an array of these, up to 1000). The op code picks the params schema. */
export const TaskCreate = z.discriminatedUnion('op', [
  z.object({ op: z.literal(100), params: FetchParams, ...TaskCommon }).strict(),
  z.object({ op: z.literal(200), params: FilterParams, ...TaskCommon }).strict(),
  z.object({ op: z.literal(300), params: AnalysisParams, ...TaskCommon }).strict(),
  z.object({ op: z.literal(400), params: ExportParams, ...TaskCommon }).strict(),
]);
export type TaskCreate = z.infer<typeof TaskCreate>;
export type TaskCreateInput = z.input<typeof TaskCreate>;

export const MAX_BATCH = 1000;
export const TaskCreateBody = z.union([TaskCreate, z.array(TaskCreate).min(1).max(MAX_BATCH)]);
export type TaskCreateBody = z.infer<typeof TaskCreateBody>;

export const TaskCreated = z.object({
  task_id: TaskId,
  status: TaskState,
  /** Things the creator should know, e.g. that no runner serves the dataset yet (the task waits for one). */
  warnings: z.array(z.string()).optional(),
});
export type TaskCreated = z.infer<typeof TaskCreated>;
/** Reply to a batch create. */
export const TasksCreated = z.object({ tasks: z.array(TaskCreated) });
export type TasksCreated = z.infer<typeof TasksCreated>;

export const AttemptOutcome = z.enum(['running', 'succeeded', 'failed', 'canceled', 'lost', 'released', 'timeout']);
export type AttemptOutcome = z.infer<typeof AttemptOutcome>;

export const TaskAttempt = z.object({
  attempt: z.number().int().min(1),
  runner_id: RunnerId,
  started_at: Timestamp,
  ended_at: Timestamp.nullable(),
  outcome: AttemptOutcome,
  error: ErrorInfo.nullable(),
});
export type TaskAttempt = z.infer<typeof TaskAttempt>;

/** A task as users see it (`GET /api/v1/tasks`, `GET /api/v1/tasks/{id}`, socket `task:update`). */
export const TaskView = z.object({
  task_id: TaskId,
  op: OpCode,
  params: z.record(z.string(), z.unknown()),
  name: z.string().nullable(), // as given at creation
  description: z.string(), // what it does, from op and params (describe.ts)
  study_id: Id.nullable(), // the study this task is a round of
  dataset: DatasetName,
  target_runner_id: RunnerId.nullable(), // as asked; null = any runner with the dataset
  runner_id: RunnerId.nullable(), // who holds or last held it
  status: TaskState,
  attempt: z.number().int().min(0),
  max_attempts: z.number().int().min(1),
  timeout_s: z.number().int().min(1),
  progress: z.number().min(0).max(100).nullable(),
  progress_message: z.string().nullable(),
  created_by: z.string().nullable(),
  created_at: Timestamp,
  updated_at: Timestamp,
  started_at: Timestamp.nullable(),
  finished_at: Timestamp.nullable(),
  error: ErrorInfo.nullable(),
  attempts: z.array(TaskAttempt).optional(), // only in GET /api/v1/tasks/{id}
});
export type TaskView = z.infer<typeof TaskView>;

export const TaskList = z.object({ tasks: z.array(TaskView) });
export type TaskList = z.infer<typeof TaskList>;

/** Query of `GET /api/v1/tasks` for users. */
export const TaskListQuery = z.object({
  status: TaskState.optional(),
  op: z.coerce.number().pipe(OpCode).optional(),
  runner_id: RunnerId.optional(),
  dataset: DatasetName.optional(),
  /** Words that the task's name, description or id contains (case-insensitive). */
  q: z.string().trim().max(200).optional(),
  /** Only the rounds of this study. */
  study_id: Id.optional(),
  /** `exclude`: leave out the rounds of studies (they are listed under their study). */
  rounds: z.enum(['include', 'exclude']).default('include'),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  before: Timestamp.optional(), // created_at of the last task of the previous page
});
export type TaskListQuery = z.infer<typeof TaskListQuery>;

/** Query of `GET /api/v1/tasks` for runners: claim work, long-polling up to `wait` seconds. */
export const ClaimQuery = z.object({
  runner_id: RunnerId,
  wait: z.coerce.number().min(0).max(60).default(0),
  limit: z.coerce.number().int().min(1).max(50).default(1),
});
export type ClaimQuery = z.infer<typeof ClaimQuery>;

/** A task handed to a runner: by socket `task:offer`, or in `GET /api/v1/tasks`'s `tasks`. */
export const TaskOffer = z.object({
  task_id: TaskId,
  op: OpCode,
  params: z.record(z.string(), z.unknown()), // parse with OpParams[op]
  attempt: z.number().int().min(1),
  lease_token: z.string(),
  lease_expires_at: Timestamp,
  timeout_s: z.number().int().min(1),
  request_id: z.string().optional(), // follows the task through hub and runner logs
  requested_by: z.string().max(200).optional(), // the user who created the task: runners keep per-analyst row budgets
});
export type TaskOffer = z.infer<typeof TaskOffer>;
export const ClaimReply = z.object({ tasks: z.array(TaskOffer) });
export type ClaimReply = z.infer<typeof ClaimReply>;

/** `POST /api/v1/progress` body and socket `task:progress`. The first report moves leased → running. */
export const TaskProgress = z.object({
  task_id: TaskId,
  lease_token: z.string().min(1).max(200),
  percent: z.number().min(0).max(100),
  message: z.string().max(500).optional(),
  /** The runner holds the result for its data owner's review until then: the hub's timeout waits as long. */
  held_until: Timestamp.optional(),
});
export type TaskProgress = z.infer<typeof TaskProgress>;
/** `canceled: true` tells the runner to abort the task. */
export const ProgressReply = z.object({ ok: z.literal(true), canceled: z.boolean(), lease_expires_at: Timestamp });
export type ProgressReply = z.infer<typeof ProgressReply>;

export const ResultStatus = z.enum(['succeeded', 'failed', 'canceled']);
export type ResultStatus = z.infer<typeof ResultStatus>;

/** `POST /api/v1/result` body and socket `task:result`. */
export const ResultPost = z
  .object({
    task_id: TaskId,
    lease_token: z.string().min(1).max(200),
    status: ResultStatus,
    result: z.unknown().optional(), // op's result schema; required when succeeded
    error: ErrorInfo.optional(), // required when failed
  })
  .superRefine((r, ctx) => {
    if (r.status === 'succeeded' && r.result === undefined)
      ctx.addIssue({ code: 'custom', path: ['result'], message: 'a succeeded task needs a result' });
    if (r.status === 'failed' && !r.error)
      ctx.addIssue({ code: 'custom', path: ['error'], message: 'a failed task needs an error' });
  });
export type ResultPost = z.infer<typeof ResultPost>;
/** `stored: false` means this exact result was already stored (a retry of the same post). */
export const ResultReply = z.object({ ok: z.literal(true), stored: z.boolean() });
export type ResultReply = z.infer<typeof ResultReply>;

/** Most reports in one socket `task:results` message. */
export const RESULT_BATCH_MAX = 64;
/** Socket `task:results`: final reports of several tasks in one message (the whole message within `inline_result_max`). */
export const ResultBatch = z.array(z.unknown()).min(1).max(RESULT_BATCH_MAX);
/** Its ack: one answer per report, in order: what `task:result` would have answered for it alone. */
export const ResultBatchReply = z.array(z.union([ResultReply, ErrorBody]));
export type ResultBatchReply = z.infer<typeof ResultBatchReply>;

/** `GET /api/v1/result/{task_id}`. */
export const ResultView = z.object({
  task_id: TaskId,
  status: TaskState,
  progress: z.number().min(0).max(100).nullable().optional(),
  result: z.unknown().optional(),
  error: ErrorInfo.nullable().optional(),
});
export type ResultView = z.infer<typeof ResultView>;

/** Query of `GET /api/v1/result/{id}`: hold the reply up to `wait` seconds while the task has not ended. */
export const ResultQuery = z.object({ wait: z.coerce.number().min(0).max(60).default(0) });
export type ResultQuery = z.infer<typeof ResultQuery>;

/** `POST /api/v1/tasks/{id}/cancel` reply. */
export const CancelReply = z.object({ task_id: TaskId, status: TaskState });
export type CancelReply = z.infer<typeof CancelReply>;

/** `POST /api/v1/release` body and socket `task:release`: hand a leased task back unstarted (e.g. while draining). */
export const ReleaseRequest = z.object({
  task_id: TaskId,
  lease_token: z.string().min(1).max(200),
  reason: z.string().max(500).optional(),
});
export type ReleaseRequest = z.infer<typeof ReleaseRequest>;
/** The task is queued again at once, without counting the attempt against max_attempts. */
export const ReleaseReply = z.object({ ok: z.literal(true), status: TaskState });
export type ReleaseReply = z.infer<typeof ReleaseReply>;
