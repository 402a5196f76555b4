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
import type { RouteSpec } from './route-spec.ts';
import { SiteDecision } from './runners.ts';
import { OkReply } from './service.ts';
import { AuditList, AuditQuery, RunnerAccess, RunnerAccessView, RunnerTokenRotated } from './security.ts';

export const ADMIN_ROUTES = {
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
} as const satisfies Record<string, RouteSpec>;
