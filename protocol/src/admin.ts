// Administration (role admin): users, enrolment keys, and revoking runners.
import { z } from 'zod';
import { Role, UserView } from './auth.ts';
import { Timestamp } from './common.ts';

/** `GET /api/v1/users`. */
export const UserList = z.object({ users: z.array(UserView) });
export type UserList = z.infer<typeof UserList>;

export const Username = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9_.@-]+$/, 'usernames are letters, digits, _ . @ and -');
export const NewPassword = z.string().min(8, 'passwords have at least 8 characters').max(1024);

/** Longest lifetime a token or enrolment key may be given: ten years. */
export const MAX_EXPIRY_S = 10 * 365 * 86_400;
export const ExpiresIn = z.number().int().min(1).max(MAX_EXPIRY_S);

/** `POST /api/v1/users` body → 201 UserView. */
export const UserCreate = z
  .object({ username: Username, password: NewPassword, role: Role.default('analyst') })
  .strict();
export type UserCreate = z.infer<typeof UserCreate>;
export type UserCreateInput = z.input<typeof UserCreate>;

/** `POST /api/v1/users/:id/password` body (an admin sets a new password; the user's sessions end). */
export const PasswordReset = z.object({ password: NewPassword }).strict();
export type PasswordReset = z.infer<typeof PasswordReset>;

/**
 * `POST /api/v1/users/:id` body → 200 UserView: disable or enable a user, or change their role. Disabling ends their
 * sessions and sockets at once and stops their API tokens. Admins cannot disable or demote themselves nor the last
 * enabled admin (409).
 */
export const UserUpdate = z
  .object({ disabled: z.boolean().optional(), role: Role.optional() })
  .strict()
  .refine((u) => u.disabled !== undefined || u.role !== undefined, { message: 'give disabled or role' });
export type UserUpdate = z.infer<typeof UserUpdate>;

/** An enrolment key as listed: never the key itself, which is shown once when created. */
export const EnrollmentKeyView = z.object({
  key_id: z.string(),
  name: z.string(),
  created_at: Timestamp,
  revoked_at: Timestamp.nullable(),
  last_used_at: Timestamp.nullable().optional(),
  runners: z.number().int().min(0).optional(), // runners enrolled with it
  single_use: z.boolean().optional(), // spent by the first registration
  expires_at: Timestamp.nullable().optional(), // no registration after this
  uses: z.number().int().min(0).optional(), // registrations made with it
});
export type EnrollmentKeyView = z.infer<typeof EnrollmentKeyView>;

/** `GET /api/v1/enrollment-keys`. */
export const EnrollmentKeyList = z.object({ keys: z.array(EnrollmentKeyView) });
export type EnrollmentKeyList = z.infer<typeof EnrollmentKeyList>;

/** `POST /api/v1/enrollment-keys` body. Reusable and without expiry unless told otherwise. */
export const EnrollmentKeyCreate = z
  .object({ name: z.string().min(1).max(128), single_use: z.boolean().optional(), expires_in_s: ExpiresIn.optional() })
  .strict();
export type EnrollmentKeyCreate = z.infer<typeof EnrollmentKeyCreate>;

/** `POST /api/v1/enrollment-keys` reply (201): `key` is shown this once; the hub keeps only its hash. */
export const EnrollmentKeyCreated = EnrollmentKeyView.extend({ key: z.string() });
export type EnrollmentKeyCreated = z.infer<typeof EnrollmentKeyCreated>;
