// The runner's identity at the hub ({ hub, runner_id, token }), kept in a 0600 file so that a restart does not register again.
import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { RunnerId } from '@simpul/protocol';
import { z } from 'zod';
import { ConfigError } from './errors.ts';
import { formatIssues } from './issues.ts';

export const RunnerState = z.object({
  hub: z.string(),
  runner_id: RunnerId,
  token: z.string().min(1),
  registered_at: z.string().optional(),
});
export type RunnerState = z.infer<typeof RunnerState>;

/** The stored state, or null when there is none yet. A file that exists but does not parse is an error, not a silent re-registration. */
export function readState(path: string): RunnerState | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new ConfigError(`cannot read state file ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new ConfigError(`state file ${path} is not valid JSON; delete it to register this runner again`);
  }
  const parsed = RunnerState.safeParse(doc);
  if (!parsed.success)
    throw new ConfigError(
      `state file ${path} is damaged; delete it to register this runner again:\n${formatIssues(parsed.error, '  ')}`,
    );
  return parsed.data;
}

/** Write atomically (temp file + rename) with mode 0600: the token is a secret. */
export function writeState(path: string, state: RunnerState): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  try {
    writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    chmodSync(tmp, 0o600); // the umask may have narrowed it further, never widened; be explicit anyway
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new ConfigError(`cannot write state file ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
}
