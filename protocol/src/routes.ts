// Every HTTP route of the hub's API, in one table, so that docs and clients cannot drift from the server.
import { ADMIN_ROUTES } from './routes-admin.ts';
import { type RouteSpec, route } from './route-spec.ts';
import { LoginReply, LoginRequest, SessionReply, UserView } from './auth.ts';
import { BlobId, BlobStored, RowsFileFormat, SignedQuery, UploadRequest, UploadSlot } from './blobs.ts';
import { DatasetName, Id, RunnerId, TaskId } from './common.ts';
import { DatasetView } from './datasets.ts';
import { PingReply, PingRequest, RegisterReply, RegisterRequest, RunnerList, RunnerView } from './runners.ts';
import { HealthReply, OkReply, OpenApiDocument, ReadyReply } from './service.ts';
import { StudyCreate } from './federated.ts';
import {
  StudyCancelReply,
  StudyCreated,
  StudyExportQuery,
  StudyId,
  StudyList,
  StudyListQuery,
  StudyView,
} from './studies.ts';
import { ApiTokenCreate, ApiTokenCreated, ApiTokenList } from './security.ts';
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

export type { Caller, RouteSpec } from './route-spec.ts';

// biome-ignore format: a table, one route a line (method, path, caller, summary, then what it takes and gives)
export const ROUTES = {
  register: route('POST', '/api/v1/register', 'public', 'Runner enrolment with an enrolment key', { body: RegisterRequest, response: RegisterReply, status: 201 }),
  ping: route('POST', '/api/v1/ping', 'runner', 'Runner heartbeat; renews leases; lists cancels and drops', { body: PingRequest, response: PingReply }),
  claim: route('GET', '/api/v1/tasks', ['runner', 'user'], 'Runner token: claim tasks (long-poll with wait). User: list tasks', { query: [ClaimQuery, TaskListQuery], response: [ClaimReply, TaskList] }),
  progress: route('POST', '/api/v1/progress', 'runner', 'Runner reports progress; first report marks running', { body: TaskProgress, response: ProgressReply }),
  release: route('POST', '/api/v1/release', 'runner', 'Runner hands a leased task back to the queue (fenced by lease token)', { body: ReleaseRequest, response: ReleaseReply }),
  result: route('POST', '/api/v1/result', 'runner', 'Runner posts a final result (fenced by lease token)', { body: ResultPost, response: ResultReply }),
  getResult: route('GET', '/api/v1/result/:task_id', 'user', 'Status, progress and result of a task; wait holds the reply until the task ends', { query: ResultQuery, params: { task_id: TaskId }, response: ResultView }),
  upload: route('POST', '/api/v1/uploads', 'runner', "Runner asks for a signed upload slot for its task's file (fenced by lease token)", { body: UploadRequest, response: UploadSlot, status: 201 }),
  putBlob: route('PUT', '/api/v1/blobs/:blob_id', 'public', "The hub's own blob store: upload the bytes to a signed link (?exp=&sig=); the signature is the credential", { query: SignedQuery, params: { blob_id: BlobId }, body: 'binary', response: BlobStored }),
  getBlob: route('GET', '/api/v1/blobs/:blob_id', 'public', "The hub's own blob store: download through a signed link (?exp=&sig=); the signature is the credential", { query: SignedQuery, params: { blob_id: BlobId }, response: 'binary' }),
  download: route('GET', '/api/v1/result/:task_id/download', 'user', "302 to a short-lived signed link to the task's file (export or large result)", { params: { task_id: TaskId }, response: 'text' }),
  downloadRows: route('GET', '/api/v1/result/:task_id/download/:format', 'user', 'The full result of op 100/200 streamed as CSV or Parquet (every row of the full result, not only those inline)', { params: { task_id: TaskId, format: RowsFileFormat }, response: 'binary' }),
  login: route('POST', '/api/v1/auth/login', 'public', 'Log in; returns a bearer token and sets a session cookie', { body: LoginRequest, response: LoginReply }),
  logout: route('POST', '/api/v1/auth/logout', 'user', 'End the session', { body: null, response: OkReply }),
  me: { method: 'GET', path: '/api/v1/auth/me', caller: 'user', summary: 'Who am I', response: UserView },
  session: route('GET', '/api/v1/auth/session', 'public', 'Whether the caller is signed in, and as whom: 200 when signed out (the web app asks this first)', { response: SessionReply }),
  runners: route('GET', '/api/v1/runners', 'user', 'Runners with status and advertised datasets', { response: RunnerList }),
  runner: route('GET', '/api/v1/runners/:runner_id', 'user', 'One runner', { params: { runner_id: RunnerId }, response: RunnerView }),
  dataset: route('GET', '/api/v1/datasets/:dataset', 'user', 'A dataset name across the runners you may use: its sites and their columns compared', { params: { dataset: DatasetName }, response: DatasetView }),
  createTask: route('POST', '/api/v1/tasks', 'user', 'Create a task, or a batch (array body)', { body: TaskCreateBody, response: [TaskCreated, TasksCreated], status: 201 }),
  getTask: route('GET', '/api/v1/tasks/:task_id', 'user', 'One task with its attempts', { params: { task_id: TaskId }, response: TaskView }),
  cancelTask: route('POST', '/api/v1/tasks/:task_id/cancel', 'user', 'Cancel a task', { body: null, params: { task_id: TaskId }, response: CancelReply }),
  listTokens: route('GET', '/api/v1/tokens', 'user', 'Your personal API tokens (never the secrets)', { response: ApiTokenList }),
  createToken: route('POST', '/api/v1/tokens', 'user', 'Create a personal API token (smp_…), shown once; needs a login session', { body: ApiTokenCreate, response: ApiTokenCreated, status: 201 }),
  revokeToken: route('DELETE', '/api/v1/tokens/:token_id', 'user', 'Revoke one of your API tokens (admins: anyone’s)', { params: { token_id: Id }, response: OkReply }),
  ...ADMIN_ROUTES,
  createStudy: route('POST', '/api/v1/studies', 'user', 'Start a federated study: one sub-task per runner per round', { body: StudyCreate, response: StudyCreated, status: 201 }),
  listStudies: route('GET', '/api/v1/studies', 'user', 'Studies, newest first', { query: StudyListQuery, response: StudyList }),
  getStudy: route('GET', '/api/v1/studies/:study_id', 'user', 'One study: rounds × runners, combined result', { params: { study_id: StudyId }, response: StudyView }),
  exportStudy: route('GET', '/api/v1/studies/:study_id/export', 'user', "A succeeded study's pooled result as xlsx, csv, json or pdf (409 until it has succeeded)", { params: { study_id: StudyId }, query: StudyExportQuery, response: 'binary' }),
  cancelStudy: route('POST', '/api/v1/studies/:study_id/cancel', 'user', 'Cancel a study and its open sub-tasks', { body: null, params: { study_id: StudyId }, response: StudyCancelReply }),
  // Operating the hub: probes, metrics and the API description (outside /api/v1 where load balancers expect them).
  healthz: route('GET', '/healthz', 'public', 'Liveness: the process is up', { response: HealthReply }),
  readyz: route('GET', '/readyz', 'public', 'Readiness: database reachable and migrations applied; 503 otherwise', { response: ReadyReply, otherResponses: { 503: ReadyReply } }),
  metrics: route('GET', '/metrics', 'public', 'Prometheus metrics; needs "Authorization: Bearer <SIMPUL_METRICS_TOKEN>" when that is set, else loopback only', { response: 'text' }),
  openapi: route('GET', '/api/v1/openapi.json', 'public', 'This API as an OpenAPI 3.1 document', { response: OpenApiDocument }),
  apiDocs: route('GET', '/api/docs', 'public', 'The API reference as a readable page', { response: 'html' }),
} as const satisfies Record<string, RouteSpec>;
