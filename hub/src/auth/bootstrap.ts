// First start: make sure there is an admin and an enrolment key, generating (and reporting) them when not configured.
import { existsSync, readFileSync, writeFileSync, mkdirSync, chmodSync } from 'node:fs';
import path from 'node:path';
import type { HubContext } from '../context.ts';
import { addEnrollmentKey, findEnrollmentKey } from './enrollment-keys.ts';
import { anyAdmin, createUser, findUserByName, setPassword } from '../store/users.ts';
import { generatePassword, verifyPassword } from './passwords.ts';
import { newToken } from './tokens.ts';

type Ctx = Pick<HubContext, 'db' | 'config' | 'log'>;

export const ADMIN_USERNAME = 'admin';

/** Returns the generated password when one was made (to be printed once), else undefined. */
export async function ensureAdmin(ctx: Ctx): Promise<string | undefined> {
  const wanted = ctx.config.adminPassword;
  const existing = await findUserByName(ctx.db, ADMIN_USERNAME);
  if (existing) {
    // The configured password wins, so that setting it again is how an operator resets it.
    if (wanted && !(await verifyPassword(wanted, existing.password_hash)))
      await setPassword(ctx.db, existing.id, wanted);
    return undefined;
  }
  if ((await anyAdmin(ctx.db)) && !wanted) return undefined;
  const password = wanted ?? generatePassword();
  try {
    await createUser(ctx.db, ADMIN_USERNAME, password, 'admin');
  } catch (err) {
    // Another hub on the same database created it first.
    if (await findUserByName(ctx.db, ADMIN_USERNAME)) return undefined;
    throw err;
  }
  return wanted ? undefined : password;
}

export interface EnrollmentKeyInfo {
  key: string;
  generated: boolean; // made now, at this start
  file?: string; // where the generated key is kept
}

/** The configured key, or the one generated earlier (kept in <data dir>/enrollment-key, mode 0600), or a new one. */
export async function ensureEnrollmentKey(ctx: Ctx): Promise<EnrollmentKeyInfo> {
  if (ctx.config.enrollmentKey) {
    await addEnrollmentKey(ctx.db, ctx.config.enrollmentKey, 'SIMPUL_ENROLLMENT_KEY');
    return { key: ctx.config.enrollmentKey, generated: false };
  }
  const file = path.join(ctx.config.dataDir, 'enrollment-key');
  if (existsSync(file)) {
    const key = readFileSync(file, 'utf8').trim();
    const row = key ? await findEnrollmentKey(ctx.db, key) : undefined;
    if (row && row.revoked_at === null) return { key, generated: false, file };
    if (key && !row) {
      // A fresh database beside a kept key file: trust the file, this hub wrote it. A revoked key is replaced below.
      await addEnrollmentKey(ctx.db, key, 'generated');
      return { key, generated: false, file };
    }
  }
  const key = newToken('enrollment');
  await addEnrollmentKey(ctx.db, key, 'generated');
  mkdirSync(ctx.config.dataDir, { recursive: true });
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return { key, generated: true, file };
}
