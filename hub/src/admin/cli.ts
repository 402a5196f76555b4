// `npm run hub -- admin create --username NAME --password-file FILE [--role admin|analyst]`: users without a running hub.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { NewPassword, Role, Username } from '@simpul/protocol';
import { audit, SYSTEM } from '../audit/audit.ts';
import { loadConfig } from '../config.ts';
import { openDatabase } from '../db/connect.ts';
import { createLogger } from '../log.ts';
import { addUser } from './users.ts';

const HELP = `Usage:
  npm run hub -- admin create --username NAME --password-file FILE [--role admin|analyst]

Creates a user (an admin unless --role analyst) in the hub's database, as configured by the same SIMPUL_* variables as
the hub (SIMPUL_DATA_DIR, SIMPUL_DATABASE_URL). The password is read from FILE (its first line), never from the command
line, where other users of the machine could read it. The hub may be running meanwhile.
`;

class UsageError extends Error {}

function readPassword(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read --password-file ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  const password = text.split(/\r?\n/)[0];
  const ok = NewPassword.safeParse(password);
  if (!ok.success) throw new UsageError(`the password in ${file}: ${ok.error.issues[0]?.message}`);
  return password;
}

async function create(
  args: string[],
  env: Record<string, string | undefined>,
  out: (s: string) => void,
): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { username: { type: 'string' }, 'password-file': { type: 'string' }, role: { type: 'string' } },
  });
  const username = Username.safeParse(values.username);
  if (!username.success)
    throw new UsageError(
      `--username: ${values.username === undefined ? 'required' : username.error.issues[0]?.message}`,
    );
  const role = Role.safeParse(values.role ?? 'admin');
  if (!role.success) throw new UsageError('--role is admin or analyst');
  if (!values['password-file']) throw new UsageError('--password-file FILE is required');
  const password = readPassword(values['password-file']);

  const config = loadConfig(env);
  const database = await openDatabase(config.database);
  try {
    const user = await addUser(database.db, username.data, password, role.data);
    await audit(
      { db: database.db, log: createLogger('warn') },
      {
        action: 'user.created',
        actor: SYSTEM,
        target: { kind: 'user', id: user.id },
        details: { username: user.username, role: user.role, via: 'cli' },
      },
    );
    out(`created ${user.role} ${user.username} (${user.id})\n`);
    return 0;
  } finally {
    await database.close();
  }
}

/** Runs `admin <command> …`; returns the exit code (0 done, 1 failed, 2 usage). */
export async function adminCli(
  args: string[],
  env: Record<string, string | undefined>,
  out = (s: string) => process.stdout.write(s),
  err = (s: string) => process.stderr.write(s),
): Promise<number> {
  const [command, ...rest] = args;
  try {
    if (command === 'create') return await create(rest, env, out);
    if (command === undefined || command === 'help' || command === '--help') {
      out(HELP);
      return command === undefined ? 2 : 0;
    }
    throw new UsageError(`unknown admin command "${command}"`);
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (e instanceof UsageError || (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'))) {
      err(`simpul hub admin: ${(e as Error).message}\n\n${HELP}`);
      return 2;
    }
    err(`simpul hub admin: ${(e as Error).message}\n`);
    return 1;
  }
}
