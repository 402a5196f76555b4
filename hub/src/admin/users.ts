// User administration: list, create (unique names), and password resets that end the user's sessions.
import type { Role } from '@simpul/protocol';
import type { Db, UserRow } from '../db/schema.ts';
import { conflict } from '../errors.ts';
import { createUser, findUserByName, revokeUserSessions, setPassword } from '../store/users.ts';

export { listUsers } from '../store/users.ts';

/** 409 when the name is taken (also when another request took it a moment ago). */
export async function addUser(db: Db, username: string, password: string, role: Role): Promise<UserRow> {
  if (await findUserByName(db, username)) throw conflict(`user ${username} already exists`);
  try {
    return await createUser(db, username, password, role);
  } catch (err) {
    if (await findUserByName(db, username)) throw conflict(`user ${username} already exists`);
    throw err;
  }
}

/** A new password; every live session of the user ends (API tokens stay: they are revoked one by one). */
export async function resetPassword(db: Db, userId: string, password: string, now = Date.now()): Promise<void> {
  await setPassword(db, userId, password);
  await revokeUserSessions(db, userId, now);
}
