// The status file a running runner keeps next to its state file, read by `simpul-runner status`.
import { chmodSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { OpCode, Transport } from '@simpul/protocol';
import { z } from 'zod';

export const TaskStatus = z.object({
  task_id: z.string(),
  op: OpCode,
  attempt: z.number().int(),
  request_id: z.string().optional(),
  phase: z.enum(['queued', 'running', 'held', 'reporting']), // waiting for a slot, running, held for the owner's review, delivering its result
  percent: z.number().min(0).max(100).nullable(),
  message: z.string().optional(),
  since: z.string(), // when this runner accepted it
});
export type TaskStatus = z.infer<typeof TaskStatus>;

export const Problem = z.object({
  time: z.string(),
  level: z.enum(['warn', 'error']),
  msg: z.string(),
  detail: z.string().optional(),
  task_id: z.string().optional(),
});
export type Problem = z.infer<typeof Problem>;

export const StatusFile = z.object({
  pid: z.number().int(),
  name: z.string(),
  version: z.string(),
  hub: z.string(),
  runner_id: z.string().nullable(),
  state: z.enum(['starting', 'running', 'draining', 'stopped']),
  started_at: z.string(),
  updated_at: z.string(), // rewritten at least every REFRESH_MS while the runner runs
  connection: z.object({ transport: Transport.nullable(), since: z.string().nullable() }),
  concurrency: z.number().int(),
  tasks: z.array(TaskStatus),
  last_errors: z.array(Problem),
});
export type StatusFile = z.infer<typeof StatusFile>;

/** Rewritten this often even when nothing changed, so that a reader can tell a live runner from a dead one. */
export const REFRESH_MS = 5000;

/** `runner.yaml.state.json` → `runner.yaml.status.json`; any other state file name gets `.status.json` appended. */
export function statusPathFor(statePath: string): string {
  return statePath.endsWith('.state.json')
    ? `${statePath.slice(0, -'.state.json'.length)}.status.json`
    : `${statePath}.status.json`;
}

export function writeStatus(path: string, status: StatusFile): void {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, `${JSON.stringify(status, null, 2)}\n`, { mode: 0o600 });
    chmodSync(tmp, 0o600); // no secrets, but task ids and error messages are the owner's business
    renameSync(tmp, path);
  } catch {
    rmSync(tmp, { force: true }); // status is advisory: never let it stop the runner
  }
}

export type ReadResult =
  | { ok: true; status: StatusFile }
  | { ok: false; reason: 'missing' | 'unreadable'; message: string };

export function readStatus(path: string): ReadResult {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'ENOENT'
      ? { ok: false, reason: 'missing', message: `no status file at ${path}` }
      : { ok: false, reason: 'unreadable', message: `cannot read ${path}: ${code}` };
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'unreadable', message: `${path} is not valid JSON` };
  }
  const parsed = StatusFile.safeParse(doc);
  return parsed.success
    ? { ok: true, status: parsed.data }
    : { ok: false, reason: 'unreadable', message: `${path} does not look like a runner status file` };
}
