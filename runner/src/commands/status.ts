// `simpul-runner status`: what a running runner is doing, read from the status file it keeps beside its state file.
import { dirname, resolve } from 'node:path';
import { OP_NAMES } from '@simpul/protocol';
import { readConfigFile } from '../config.ts';
import { EXIT, type ExitCode } from '../errors.ts';
import { readStatus, REFRESH_MS, type StatusFile, statusPathFor } from '../status/file.ts';
import { parseFlags } from './flags.ts';

export const STATUS_HELP = `simpul-runner status: connection, current tasks with progress, and the last errors of a running runner.

Usage:
  simpul-runner status --config FILE [--json]
  simpul-runner status --state FILE | --status FILE

A running runner rewrites a small status file next to its state file at least every ${REFRESH_MS / 1000} seconds
(runner.yaml.state.json → runner.yaml.status.json); this command reads it and needs no network.

Flags:
  -c, --config FILE   the runner's config; its status file is found from the state file setting
      --state FILE    the runner's state file, when it is not the default <config>.state.json
      --status FILE   the status file itself
      --json          print the status file as JSON (for scripts)

Exit codes: 0 running and connected to a hub, 1 not running, not responding or not connected, 2 bad flags.

Examples:
  simpul-runner status --config runner.yaml
  watch -n 2 simpul-runner status --config /etc/simpul/runner.yaml
`;

/** Where the status file is: --status, else next to the state file (from --state, the config's `state`, or the default). */
function statusPath(values: { config?: string; state?: string; status?: string }): string | null {
  if (values.status) return resolve(values.status);
  const state = statePathOf(values);
  return state ? statusPathFor(state) : null;
}

/** The runner's state file: --state, SIMPUL_RUNNER_STATE, the config's `state` (relative to it), or <config>.state.json. */
export function statePathOf(values: { config?: string; state?: string }): string | null {
  if (values.state) return resolve(values.state);
  const env = process.env.SIMPUL_RUNNER_STATE;
  if (env) return resolve(env);
  if (!values.config) return null;
  const configPath = resolve(values.config);
  const state = readConfigFile(configPath).state;
  return typeof state === 'string' ? resolve(dirname(configPath), state) : `${configPath}.state.json`;
}

export function progressBar(percent: number | null, width = 20): string {
  if (percent === null) return `[${' '.repeat(width)}]   -`;
  const filled = Math.round((percent / 100) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.round(percent)).padStart(3)}%`;
}

export function ago(iso: string, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
};

/** The lines to print and the exit code. */
export function renderStatus(s: StatusFile, now = Date.now()): { text: string; code: ExitCode } {
  const lines: string[] = [];
  const who = `runner ${s.name}${s.runner_id ? ` (${s.runner_id})` : ''} → ${s.hub}`;
  const stale = now - Date.parse(s.updated_at) > 3 * REFRESH_MS;
  let running = false;
  if (s.state === 'stopped') lines.push(`${who}: stopped ${ago(s.updated_at, now)} ago`);
  else if (!alive(s.pid))
    lines.push(`${who}: not running (process ${s.pid} is gone; last update ${ago(s.updated_at, now)} ago)`);
  else if (stale)
    lines.push(`${who}: not responding (process ${s.pid} has not updated its status for ${ago(s.updated_at, now)})`);
  else {
    running = true;
    lines.push(`${who}: ${s.state}, pid ${s.pid}, version ${s.version}, up ${ago(s.started_at, now)}`);
  }
  const connected = running && s.connection.transport !== null;
  if (running) {
    lines.push(
      connected
        ? `connection: connected over ${s.connection.transport} for ${ago(s.connection.since ?? s.updated_at, now)}`
        : `connection: NOT CONNECTED${s.connection.since ? ` for ${ago(s.connection.since, now)}` : ''}; the runner keeps trying (see last errors)`,
    );
    const busy = s.tasks.filter((t) => t.phase === 'queued' || t.phase === 'running').length;
    lines.push(
      `tasks: ${s.tasks.length ? `${busy} of ${s.concurrency} slots in use` : `none (${s.concurrency} slots free)`}`,
    );
    for (const t of s.tasks) {
      const what = `op ${t.op} ${OP_NAMES[t.op] ?? ''}`.trim();
      const phase =
        t.phase === 'queued'
          ? 'waiting for a slot'
          : t.phase === 'reporting'
            ? 'sending result'
            : t.phase === 'held'
              ? 'held for review (simpul-runner review)'
              : (t.message ?? 'running');
      lines.push(
        `  ${t.task_id}  ${what}  ${progressBar(t.percent)}  ${phase}  (${ago(t.since, now)}, attempt ${t.attempt})`,
      );
    }
  }
  lines.push(s.last_errors.length ? 'last errors:' : 'last errors: none');
  for (const p of [...s.last_errors].reverse()) {
    const at = new Date(Date.parse(p.time)).toISOString().slice(11, 19);
    lines.push(
      `  ${at}  ${p.level.padEnd(5)} ${p.msg}${p.detail ? `: ${p.detail}` : ''}${p.task_id ? `  [${p.task_id}]` : ''}`,
    );
  }
  return { text: `${lines.join('\n')}\n`, code: connected ? EXIT.ok : EXIT.failure };
}

export async function statusCommand(argv: string[], out = (t: string) => process.stdout.write(t)): Promise<ExitCode> {
  const values = parseFlags('status', argv, {
    config: { type: 'string', short: 'c' },
    state: { type: 'string' },
    status: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    out(STATUS_HELP);
    return EXIT.ok;
  }
  const path = statusPath(values);
  if (!path) {
    out('simpul-runner status: say which runner: --config FILE (or --state FILE, --status FILE)\n');
    return EXIT.usage;
  }
  const read = readStatus(path);
  if (!read.ok) {
    out(
      read.reason === 'missing'
        ? `not running: ${read.message} (a running runner writes it within a second of starting)\n`
        : `${read.message}\n`,
    );
    return EXIT.failure;
  }
  if (values.json) {
    out(`${JSON.stringify(read.status, null, 2)}\n`);
    return renderStatus(read.status).code;
  }
  const { text, code } = renderStatus(read.status);
  out(text);
  return code;
}
