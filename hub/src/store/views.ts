// Database rows as the API shows them (TaskView, TaskAttempt, RunnerView, UserView).
import {
  DatasetInfo,
  ErrorInfo,
  type OpCode,
  type RunnerView,
  type SiteStatus,
  type TaskAttempt,
  type TaskView,
  type UserView,
} from '@simpul/protocol';
import { z } from 'zod';
import type { AttemptRow, RunnerRow, TaskRow, UserRow } from '../db/schema.ts';
import { fromJson, iso, isoOrNull } from './json.ts';

const Params = z.record(z.string(), z.unknown());
const Labels = z.array(z.string());
const Datasets = z.array(DatasetInfo);

export const taskParams = (row: Pick<TaskRow, 'id' | 'params'>) =>
  fromJson(row.params, Params, {}, { table: 'tasks', id: row.id, column: 'params' });

export function taskView(row: TaskRow, attempts?: AttemptRow[]): TaskView {
  const params = taskParams(row);
  return {
    task_id: row.id,
    op: row.op as OpCode,
    params,
    name: row.name,
    description: row.description,
    study_id: params.analysis === 'federated_round' && typeof params.study_id === 'string' ? params.study_id : null,
    dataset: row.dataset,
    target_runner_id: row.target_runner_id,
    runner_id: row.runner_id,
    status: row.status,
    attempt: row.attempt,
    max_attempts: row.max_attempts,
    timeout_s: row.timeout_s,
    progress: row.progress,
    progress_message: row.progress_message,
    created_by: row.created_by,
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
    started_at: isoOrNull(row.started_at),
    finished_at: isoOrNull(row.finished_at),
    error: fromJson(row.error, ErrorInfo.nullable(), null, { table: 'tasks', id: row.id, column: 'error' }),
    ...(attempts ? { attempts: attempts.map(attemptView) } : {}),
  };
}

export function attemptView(row: AttemptRow): TaskAttempt {
  return {
    attempt: row.attempt,
    runner_id: row.runner_id,
    started_at: iso(row.started_at),
    ended_at: isoOrNull(row.ended_at),
    outcome: row.outcome,
    error: fromJson(row.error, ErrorInfo.nullable(), null, { table: 'task_attempts', id: row.id, column: 'error' }),
  };
}

export const runnerLabels = (row: RunnerRow) =>
  fromJson(row.labels, Labels, [], { table: 'runners', id: row.id, column: 'labels' });
export const runnerDatasets = (row: Pick<RunnerRow, 'id' | 'datasets'>) =>
  fromJson(row.datasets, Datasets, [], { table: 'runners', id: row.id, column: 'datasets' });

export interface Liveness {
  online: boolean;
  activeTasks: number;
  sites?: Map<string, SiteStatus>; // the runner's site status per dataset name (no entry: approved)
}

export function runnerView(row: RunnerRow, live: Liveness): RunnerView {
  const online = live.online && row.revoked_at === null;
  return {
    runner_id: row.id,
    name: row.name,
    labels: runnerLabels(row),
    version: row.version,
    online,
    status: !online ? 'offline' : live.activeTasks > 0 ? 'busy' : 'online',
    transport: row.transport,
    active_tasks: live.activeTasks,
    last_seen: isoOrNull(row.last_seen),
    created_at: iso(row.created_at),
    revoked: row.revoked_at !== null,
    datasets: runnerDatasets(row).map((d) => ({ ...d, site_status: live.sites?.get(d.name) ?? 'approved' })),
  };
}

export function userView(row: UserRow): UserView {
  return {
    user_id: row.id,
    username: row.username,
    role: row.role,
    created_at: iso(row.created_at),
    disabled_at: isoOrNull(row.disabled_at),
  };
}

/** A runner without a socket counts as online while it was seen within two heartbeats and a little slack. */
export function onlineWindowMs(heartbeatS: number): number {
  return Math.round(2 * heartbeatS * 1000) + 2000;
}

export type SeenConfig = { heartbeatS: number; lastSeenWriteS: number };

/**
 * How old a runner's last_seen may be while it still counts as online. A runner on a live socket (transport
 * `websocket`) has last_seen written at most every lastSeenWriteS (its hub knows it is alive from the socket itself), so
 * others allow that much more; a runner without a socket has it written at every ping.
 */
export function seenWindowMs(transport: RunnerRow['transport'], cfg: SeenConfig): number {
  return onlineWindowMs(cfg.heartbeatS) + (transport === 'websocket' ? Math.round(cfg.lastSeenWriteS * 1000) : 0);
}

export function recentlySeen(
  row: Pick<RunnerRow, 'last_seen' | 'transport'>,
  cfg: SeenConfig,
  now = Date.now(),
): boolean {
  return row.last_seen !== null && now - row.last_seen <= seenWindowMs(row.transport, cfg);
}
