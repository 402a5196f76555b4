// Every HTTP route of the hub's API, in one table, so that docs and clients cannot drift from the server.
import type { z } from 'zod';
import {
  EnrollmentKeyCreate,
  EnrollmentKeyCreated,
  EnrollmentKeyList,
  PasswordReset,
  UserCreate,
  UserUpdate,
  UserList,
} from './admin.ts';
import { LoginReply, LoginRequest, UserView } from './auth.ts';
import { BlobId, BlobStored, SignedQuery, UploadRequest, UploadSlot } from './blobs.ts';
import { DatasetName, Id, RunnerId, TaskId } from './common.ts';
import { DatasetView } from './datasets.ts';
import {
  PingReply,
  PingRequest,
  RegisterReply,
  RegisterRequest,
  RunnerList,
  RunnerView,
  SiteDecision,
} from './runners.ts';
import { HealthReply, OkReply, OpenApiDocument, ReadyReply } from './service.ts';
import { StudyCreate } from './federated.ts';
import { StudyCancelReply, StudyCreated, StudyId, StudyList, StudyListQuery, StudyView } from './studies.ts';
import {
  ApiTokenCreate,
  ApiTokenCreated,
  ApiTokenList,
  AuditList,
  AuditQuery,
  RunnerAccess,
  RunnerAccessView,
  RunnerTokenRotated,
} from './security.ts';
import {
  CancelReply,
  ClaimQuery,
  ClaimReply,
  ResultQuery,
  ProgressReply,
  ReleaseReply,
  ReleaseRequest,
  ResultPost,
  ResultReply,
  ResultView,
  TaskCreateBody,
  TaskCreated,
  TaskList,
  TaskListQuery,
  TaskProgress,
  TasksCreated,
  TaskView,
} from './tasks.ts';

export const API_PREFIX = '/api/v1';

export type Caller = 'public' | 'runner' | 'user' | 'admin';

export interface RouteSpec {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string; // Hono style, `:param`
  caller: Caller | Caller[];
  summary: string;
  // What the OpenAPI document says about the route (GET /api/v1/openapi.json). A route without `response`, or a
  // POST/PUT without `body`, is still listed (with an open schema), and the hub's OpenAPI test names it.
  /** JSON body; `null`: the route takes no body; 'binary': raw bytes (application/octet-stream). */
  body?: z.ZodType | null | 'binary';
  /** Query string as an object schema; several: one per caller (e.g. runner and user), in `caller` order. */
  query?: z.ZodType | readonly z.ZodType[];
  /** Path parameters by name; a parameter not listed here is a plain string. */
  params?: Record<string, z.ZodType>;
  /** The success reply: a JSON schema, several (one per caller or body shape), a text or HTML page, or raw bytes. */
  response?: z.ZodType | readonly z.ZodType[] | 'text' | 'html' | 'binary';
  /** The success status; default 200. */
  status?: 200 | 201 | 204;
  /** Other statuses whose body is not the usual error body, e.g. 503 from /readyz. */
  otherResponses?: Record<number, z.ZodType>;
}

export const ROUTES = {
  register: {
    method: 'POST',
    path: '/api/v1/register',
    caller: 'public',
    summary: 'Runner enrolment with an enrolment key',
    body: RegisterRequest,
    response: RegisterReply,
    status: 201,
  },
  ping: {
    method: 'POST',
    path: '/api/v1/ping',
    caller: 'runner',
    summary: 'Runner heartbeat; renews leases; lists cancels and drops',
    body: PingRequest,
    response: PingReply,
  },
  claim: {
    method: 'GET',
    path: '/api/v1/tasks',
    caller: ['runner', 'user'],
    summary: 'Runner token: claim tasks (long-poll with wait). User: list tasks',
    query: [ClaimQuery, TaskListQuery],
    response: [ClaimReply, TaskList],
  },
  progress: {
    method: 'POST',
    path: '/api/v1/progress',
    caller: 'runner',
    summary: 'Runner reports progress; first report marks running',
    body: TaskProgress,
    response: ProgressReply,
  },
  release: {
    method: 'POST',
    path: '/api/v1/release',
    caller: 'runner',
    summary: 'Runner hands a leased task back to the queue (fenced by lease token)',
    body: ReleaseRequest,
    response: ReleaseReply,
  },
  result: {
    method: 'POST',
    path: '/api/v1/result',
    caller: 'runner',
    summary: 'Runner posts a final result (fenced by lease token)',
    body: ResultPost,
    response: ResultReply,
  },
  getResult: {
    method: 'GET',
    path: '/api/v1/result/:task_id',
    caller: 'user',
    summary: 'Status, progress and result of a task; wait holds the reply until the task ends',
    query: ResultQuery,
    params: { task_id: TaskId },
    response: ResultView,
  },
  upload: {
    method: 'POST',
    path: '/api/v1/uploads',
    caller: 'runner',
    summary: "Runner asks for a signed upload slot for its task's file (fenced by lease token)",
    body: UploadRequest,
    response: UploadSlot,
    status: 201,
  },
  putBlob: {
    method: 'PUT',
    path: '/api/v1/blobs/:blob_id',
    caller: 'public',
    summary:
      "The hub's own blob store: upload the bytes to a signed link (?exp=&sig=); the signature is the credential",
    query: SignedQuery,
    params: { blob_id: BlobId },
    body: 'binary',
    response: BlobStored,
  },
  getBlob: {
    method: 'GET',
    path: '/api/v1/blobs/:blob_id',
    caller: 'public',
    summary: "The hub's own blob store: download through a signed link (?exp=&sig=); the signature is the credential",
    query: SignedQuery,
    params: { blob_id: BlobId },
    response: 'binary',
  },
  download: {
    method: 'GET',
    path: '/api/v1/result/:task_id/download',
    caller: 'user',
    summary: "302 to a short-lived signed link to the task's file (export or large result)",
    params: { task_id: TaskId },
    response: 'text',
  },
  login: {
    method: 'POST',
    path: '/api/v1/auth/login',
    caller: 'public',
    summary: 'Log in; returns a bearer token and sets a session cookie',
    body: LoginRequest,
    response: LoginReply,
  },
  logout: {
    method: 'POST',
    path: '/api/v1/auth/logout',
    caller: 'user',
    summary: 'End the session',
    body: null,
    response: OkReply,
  },
  me: { method: 'GET', path: '/api/v1/auth/me', caller: 'user', summary: 'Who am I', response: UserView },
  runners: {
    method: 'GET',
    path: '/api/v1/runners',
    caller: 'user',
    summary: 'Runners with status and advertised datasets',
    response: RunnerList,
  },
  runner: {
    method: 'GET',
    path: '/api/v1/runners/:runner_id',
    caller: 'user',
    summary: 'One runner',
    params: { runner_id: RunnerId },
    response: RunnerView,
  },
  dataset: {
    method: 'GET',
    path: '/api/v1/datasets/:dataset',
    caller: 'user',
    summary: 'A dataset name across the runners you may use: its sites and their columns compared',
    params: { dataset: DatasetName },
    response: DatasetView,
  },
  createTask: {
    method: 'POST',
    path: '/api/v1/tasks',
    caller: 'user',
    summary: 'Create a task, or a batch (array body)',
    body: TaskCreateBody,
    response: [TaskCreated, TasksCreated],
    status: 201,
  },
  getTask: {
    method: 'GET',
    path: '/api/v1/tasks/:task_id',
    caller: 'user',
    summary: 'One task with its attempts',
    params: { task_id: TaskId },
    response: TaskView,
  },
  cancelTask: {
    method: 'POST',
    path: '/api/v1/tasks/:task_id/cancel',
    caller: 'user',
    summary: 'Cancel a task',
    body: null,
    params: { task_id: TaskId },
    response: CancelReply,
  },
  listTokens: {
    method: 'GET',
    path: '/api/v1/tokens',
    caller: 'user',
    summary: 'Your personal API tokens (never the secrets)',
    response: ApiTokenList,
  },
  createToken: {
    method: 'POST',
    path: '/api/v1/tokens',
    caller: 'user',
    summary: 'Create a personal API token (smp_…), shown once; needs a login session',
    body: ApiTokenCreate,
    response: ApiTokenCreated,
    status: 201,
  },
  revokeToken: {
    method: 'DELETE',
    path: '/api/v1/tokens/:token_id',
    caller: 'user',
    summary: 'Revoke one of your API tokens (admins: anyone’s)',
    params: { token_id: Id },
    response: OkReply,
  },
  listUsers: { method: 'GET', path: '/api/v1/users', caller: 'admin', summary: 'All users', response: UserList },
  createUser: {
    method: 'POST',
    path: '/api/v1/users',
    caller: 'admin',
    summary: 'Create a user (admin or analyst)',
    body: UserCreate,
    response: UserView,
    status: 201,
  },
  resetPassword: {
    method: 'POST',
    path: '/api/v1/users/:user_id/password',
    caller: 'admin',
    summary: 'Set a user’s password; their sessions end',
    body: PasswordReset,
    params: { user_id: Id },
    response: OkReply,
  },
  updateUser: {
    method: 'POST',
    path: '/api/v1/users/:user_id',
    caller: 'admin',
    summary: 'Disable or enable a user, or change their role (not yourself, not the last admin)',
    body: UserUpdate,
    params: { user_id: Id },
    response: UserView,
  },
  deleteUser: {
    method: 'DELETE',
    path: '/api/v1/users/:user_id',
    caller: 'admin',
    summary: 'Delete a user (not yourself, not the last admin); their tasks and studies stay',
    params: { user_id: Id },
    response: OkReply,
  },
  listEnrollmentKeys: {
    method: 'GET',
    path: '/api/v1/enrollment-keys',
    caller: 'admin',
    summary: 'Enrolment keys (never the secrets)',
    response: EnrollmentKeyList,
  },
  createEnrollmentKey: {
    method: 'POST',
    path: '/api/v1/enrollment-keys',
    caller: 'admin',
    summary: 'Create an enrolment key (single-use or reusable, optional expiry), shown once',
    body: EnrollmentKeyCreate,
    response: EnrollmentKeyCreated,
    status: 201,
  },
  revokeEnrollmentKey: {
    method: 'DELETE',
    path: '/api/v1/enrollment-keys/:key_id',
    caller: 'admin',
    summary: 'Revoke an enrolment key',
    params: { key_id: Id },
    response: OkReply,
  },
  revokeRunner: {
    method: 'POST',
    path: '/api/v1/runners/:runner_id/revoke',
    caller: ['admin', 'user'],
    summary: 'Revoke a runner (admins and its owners): disconnected at once, claims nothing',
    body: null,
    params: { runner_id: RunnerId },
    response: OkReply,
  },
  runnerAccess: {
    method: 'POST',
    path: '/api/v1/runners/:runner_id/access',
    caller: ['admin', 'user'],
    summary: 'Share a runner with everyone or named users (admins and its owners)',
    body: RunnerAccess,
    params: { runner_id: RunnerId },
    response: RunnerAccessView,
  },
  approveSite: {
    method: 'POST',
    path: '/api/v1/runners/:runner_id/datasets/:dataset/approve',
    caller: 'admin',
    summary: "Make a runner a site of a dataset name it advertises (it then gets that dataset's work and study rounds)",
    body: null,
    params: { runner_id: RunnerId, dataset: DatasetName },
    response: SiteDecision,
  },
  rejectSite: {
    method: 'POST',
    path: '/api/v1/runners/:runner_id/datasets/:dataset/reject',
    caller: 'admin',
    summary: 'Refuse a runner as a site of a dataset name: it gets only tasks that name it',
    body: null,
    params: { runner_id: RunnerId, dataset: DatasetName },
    response: SiteDecision,
  },
  rotateRunnerToken: {
    method: 'POST',
    path: '/api/v1/runners/:runner_id/rotate',
    caller: 'runner',
    summary: 'A runner swaps its token for a new one; the old one works for a short overlap',
    body: null,
    params: { runner_id: RunnerId },
    response: RunnerTokenRotated,
  },
  audit: {
    method: 'GET',
    path: '/api/v1/audit',
    caller: 'admin',
    summary: 'The audit log, newest first',
    query: AuditQuery,
    response: AuditList,
  },
  createStudy: {
    method: 'POST',
    path: '/api/v1/studies',
    caller: 'user',
    summary: 'Start a federated study: one sub-task per runner per round',
    body: StudyCreate,
    response: StudyCreated,
    status: 201,
  },
  listStudies: {
    method: 'GET',
    path: '/api/v1/studies',
    caller: 'user',
    summary: 'Studies, newest first',
    query: StudyListQuery,
    response: StudyList,
  },
  getStudy: {
    method: 'GET',
    path: '/api/v1/studies/:study_id',
    caller: 'user',
    summary: 'One study: rounds × runners, combined result',
    params: { study_id: StudyId },
    response: StudyView,
  },
  cancelStudy: {
    method: 'POST',
    path: '/api/v1/studies/:study_id/cancel',
    caller: 'user',
    summary: 'Cancel a study and its open sub-tasks',
    body: null,
    params: { study_id: StudyId },
    response: StudyCancelReply,
  },
  // Operating the hub: probes, metrics and the API description (outside /api/v1 where load balancers expect them).
  healthz: {
    method: 'GET',
    path: '/healthz',
    caller: 'public',
    summary: 'Liveness: the process is up',
    response: HealthReply,
  },
  readyz: {
    method: 'GET',
    path: '/readyz',
    caller: 'public',
    summary: 'Readiness: database reachable and migrations applied; 503 otherwise',
    response: ReadyReply,
    otherResponses: { 503: ReadyReply },
  },
  metrics: {
    method: 'GET',
    path: '/metrics',
    caller: 'public',
    summary:
      'Prometheus metrics; needs "Authorization: Bearer <SIMPUL_METRICS_TOKEN>" when that is set, else loopback only',
    response: 'text',
  },
  openapi: {
    method: 'GET',
    path: '/api/v1/openapi.json',
    caller: 'public',
    summary: 'This API as an OpenAPI 3.1 document',
    response: OpenApiDocument,
  },
  apiDocs: {
    method: 'GET',
    path: '/api/docs',
    caller: 'public',
    summary: 'The API reference as a readable page',
    response: 'html',
  },
} as const satisfies Record<string, RouteSpec>;
