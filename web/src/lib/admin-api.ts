// The hub's admin endpoints (users, enrolment keys, runner revoke, dataset sites). A hub without them answers 404: see errors.ts `unavailable`.
import { EnrollmentKeyCreated, EnrollmentKeyList, SiteDecision, UserList, UserView } from '@simpul/protocol';
import type { EnrollmentKeyCreate, PasswordReset, UserCreateInput, UserUpdate } from '@simpul/protocol';
import { request } from './api.ts';

/** Replies whose content we do not use (`{ ok: true }`, an empty 204, or the changed object). */
const anything = { safeParse: (data: unknown) => ({ success: true as const, data }) };
const id = (s: string) => encodeURIComponent(s);

export const adminApi = {
  users: () => request('GET', '/users', UserList),
  createUser: (body: UserCreateInput) => request('POST', '/users', UserView, { body }),
  resetPassword: (userId: string, body: PasswordReset) =>
    request('POST', `/users/${id(userId)}/password`, anything, { body }),
  /** Disable or enable a user, or change their role: the user as it is now. */
  updateUser: (userId: string, body: UserUpdate) => request('POST', `/users/${id(userId)}`, UserView, { body }),
  deleteUser: (userId: string) => request('DELETE', `/users/${id(userId)}`, anything),
  keys: () => request('GET', '/enrollment-keys', EnrollmentKeyList),
  createKey: (body: EnrollmentKeyCreate) => request('POST', '/enrollment-keys', EnrollmentKeyCreated, { body }),
  revokeKey: (keyId: string) => request('DELETE', `/enrollment-keys/${id(keyId)}`, anything),
  revokeRunner: (runnerId: string) => request('POST', `/runners/${id(runnerId)}/revoke`, anything),
  /** Make the runner a site of a dataset name it advertises (`approve`), or refuse it (`reject`). */
  decideSite: (runnerId: string, dataset: string, decision: 'approve' | 'reject') =>
    request('POST', `/runners/${id(runnerId)}/datasets/${id(dataset)}/${decision}`, SiteDecision),
};
