// Users and sessions.
import { z } from 'zod';
import { Timestamp } from './common.ts';

export const Role = z.enum(['admin', 'analyst']);
export type Role = z.infer<typeof Role>;

export const LoginRequest = z.object({
  username: z.string().min(1).max(128),
  password: z.string().min(1).max(1024),
});
export type LoginRequest = z.infer<typeof LoginRequest>;

export const UserView = z.object({
  user_id: z.string(),
  username: z.string(),
  role: Role,
  created_at: Timestamp,
  disabled_at: Timestamp.nullable().optional(), // set while an admin has disabled the user: no login, no API tokens
});
export type UserView = z.infer<typeof UserView>;

/** `GET /api/v1/auth/session`: always 200, so that a signed-out visit to the web app logs no 401 in the browser's
 * console; `user` is null without a valid session cookie or user token. */
export const SessionReply = z.object({ signed_in: z.boolean(), user: UserView.nullable() });
export type SessionReply = z.infer<typeof SessionReply>;

/** `POST /api/v1/auth/login` reply; `token` is a bearer for curl and scripts, the same session is also set as a cookie. */
export const LoginReply = z.object({ token: z.string(), expires_at: Timestamp, user: UserView });
export type LoginReply = z.infer<typeof LoginReply>;

/** Token prefixes, so that secret scanners can spot them. */
export const TOKEN_PREFIX = { runner: 'smr_', session: 'sms_', api: 'smp_', enrollment: 'sme_' } as const;
