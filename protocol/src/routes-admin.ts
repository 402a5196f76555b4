// The admins' HTTP routes (users, enrolment keys, runner administration, audit log): part of the API's one table
// (routes.ts).
import {
  EnrollmentKeyCreate,
  EnrollmentKeyCreated,
  EnrollmentKeyList,
  PasswordReset,
  UserCreate,
  UserList,
  UserUpdate,
} from './admin.ts';
import { UserView } from './auth.ts';
import { DatasetName, Id, RunnerId } from './common.ts';
import { type RouteSpec, route } from './route-spec.ts';
import { SiteDecision } from './runners.ts';
import { OkReply } from './service.ts';
import { AuditList, AuditQuery, RunnerAccess, RunnerAccessView, RunnerTokenRotated } from './security.ts';

// biome-ignore format: a table, one route a line (method, path, caller, summary, then what it takes and gives)
export const ADMIN_ROUTES = {
  listUsers: { method: 'GET', path: '/api/v1/users', caller: 'admin', summary: 'All users', response: UserList },
  createUser: route('POST', '/api/v1/users', 'admin', 'Create a user (admin or analyst)', { body: UserCreate, response: UserView, status: 201 }),
  resetPassword: route('POST', '/api/v1/users/:user_id/password', 'admin', 'Set a user’s password; their sessions end', { body: PasswordReset, params: { user_id: Id }, response: OkReply }),
  updateUser: route('POST', '/api/v1/users/:user_id', 'admin', 'Disable or enable a user, or change their role (not yourself, not the last admin)', { body: UserUpdate, params: { user_id: Id }, response: UserView }),
  deleteUser: route('DELETE', '/api/v1/users/:user_id', 'admin', 'Delete a user (not yourself, not the last admin); their tasks and studies stay', { params: { user_id: Id }, response: OkReply }),
  listEnrollmentKeys: route('GET', '/api/v1/enrollment-keys', 'admin', 'Enrolment keys (never the secrets)', { response: EnrollmentKeyList }),
  createEnrollmentKey: route('POST', '/api/v1/enrollment-keys', 'admin', 'Create an enrolment key (single-use or reusable, optional expiry), shown once', { body: EnrollmentKeyCreate, response: EnrollmentKeyCreated, status: 201 }),
  revokeEnrollmentKey: route('DELETE', '/api/v1/enrollment-keys/:key_id', 'admin', 'Revoke an enrolment key', { params: { key_id: Id }, response: OkReply }),
  revokeRunner: route('POST', '/api/v1/runners/:runner_id/revoke', ['admin', 'user'], 'Revoke a runner (admins and its owners): disconnected at once, claims nothing', { body: null, params: { runner_id: RunnerId }, response: OkReply }),
  runnerAccess: route('POST', '/api/v1/runners/:runner_id/access', ['admin', 'user'], 'Share a runner with everyone or named users (admins and its owners)', { body: RunnerAccess, params: { runner_id: RunnerId }, response: RunnerAccessView }),
  approveSite: route('POST', '/api/v1/runners/:runner_id/datasets/:dataset/approve', 'admin', "Make a runner a site of a dataset name it advertises (it then gets that dataset's work and study rounds)", { body: null, params: { runner_id: RunnerId, dataset: DatasetName }, response: SiteDecision }),
  rejectSite: route('POST', '/api/v1/runners/:runner_id/datasets/:dataset/reject', 'admin', 'Refuse a runner as a site of a dataset name: it gets only tasks that name it', { body: null, params: { runner_id: RunnerId, dataset: DatasetName }, response: SiteDecision }),
  rotateRunnerToken: route('POST', '/api/v1/runners/:runner_id/rotate', 'runner', 'A runner swaps its token for a new one; the old one works for a short overlap', { body: null, params: { runner_id: RunnerId }, response: RunnerTokenRotated }),
  audit: route('GET', '/api/v1/audit', 'admin', 'The audit log, newest first', { query: AuditQuery, response: AuditList }),
} as const satisfies Record<string, RouteSpec>;
