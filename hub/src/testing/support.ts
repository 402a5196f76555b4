// Helpers shared by the hub's tests: real databases (SQLite file, PostgreSQL schema), a real hub on port 0, polling waits.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { PROTOCOL_VERSION, TaskCreate, type DatasetInfo } from '@simpul/protocol';
import { loadConfig, type HubConfig } from '../config.ts';
import type { HubContext } from '../context.ts';
import { dropSchema, openDatabase, type DbHandle } from '../db/connect.ts';
import { createLogger } from '../log.ts';
import { Notifier } from '../queue/notifier.ts';
import { createHub, type Hub } from '../server.ts';
import { createRunner } from '../store/runners.ts';
import { createUser } from '../store/users.ts';

export const PG_URL = process.env.SIMPUL_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const DIALECTS = ['sqlite', 'postgres'] as const;
export type Dialect = (typeof DIALECTS)[number];

export function tempDir(prefix = 'simpul-hub-'): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

/** Settings for tests: quiet, fast reaper; each test may override any SIMPUL_* variable. */
export function testConfig(
  dialect: Dialect,
  env: Record<string, string> = {},
): { config: HubConfig; cleanup(): Promise<void> } {
  const dir = tempDir();
  const schema = `simpul_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const config = loadConfig({
    SIMPUL_PORT: '0',
    SIMPUL_DATA_DIR: dir,
    SIMPUL_LOG_LEVEL: 'silent',
    SIMPUL_ADMIN_PASSWORD: 'admin-password',
    SIMPUL_ENROLLMENT_KEY: 'test-enrollment-key',
    SIMPUL_REAPER_INTERVAL_MS: '100',
    SIMPUL_WEB_DIR: path.join(dir, 'no-web-build'),
    ...(dialect === 'postgres' ? { SIMPUL_DATABASE_URL: `${PG_URL}?schema=${schema}` } : {}),
    ...env,
  });
  return {
    config,
    async cleanup() {
      if (dialect === 'postgres') await dropSchema(PG_URL, schema);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A queue-level context over a real database, without HTTP or sockets. */
export interface TestDb {
  ctx: HubContext;
  handle: DbHandle;
  close(): Promise<void>;
}

export async function openTestDb(dialect: Dialect, env: Record<string, string> = {}): Promise<TestDb> {
  const { config, cleanup } = testConfig(dialect, env);
  const handle = await openDatabase(config.database);
  const ctx: HubContext = {
    config,
    db: handle.db,
    kind: handle.kind,
    log: createLogger('silent'),
    events: new Notifier(),
    presence: { has: () => false, heard: () => {} },
    closing: new AbortController().signal,
  };
  return {
    ctx,
    handle,
    async close() {
      await handle.close();
      await cleanup();
    },
  };
}

export const dataset = (name: string): DatasetInfo => ({
  name,
  columns: [{ name: 'x', type: 'BIGINT', kind: 'number' }],
  row_count: 3,
});

export async function addRunner(ctx: Pick<HubContext, 'db'>, name: string, datasets: string[] = []) {
  return createRunner(ctx.db, { name, datasets: datasets.map(dataset), protocolVersion: PROTOCOL_VERSION });
}

export async function addUser(ctx: Pick<HubContext, 'db'>, username: string, role: 'admin' | 'analyst' = 'analyst') {
  return createUser(ctx.db, username, `${username}-password`, role);
}

export interface TestHub extends Hub {
  cleanup(): Promise<void>;
}

export async function startTestHub(env: Record<string, string> = {}, dialect: Dialect = 'sqlite'): Promise<TestHub> {
  const { config, cleanup } = testConfig(dialect, env);
  const hub = await createHub(config, { drainMs: 2000 });
  return Object.assign(hub, {
    async cleanup() {
      await hub.close();
      await cleanup();
    },
  });
}

/** Polls `check` until it returns a truthy value (generous timeout: shared, noisy machines). */
export async function waitFor<T>(
  what: string,
  check: () => T | Promise<T>,
  timeoutMs = 20_000,
  everyMs = 50,
): Promise<NonNullable<T>> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v as NonNullable<T>;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A parsed op-100 task for `dataset` (optionally pinned to a runner). */
export function fetchTask(
  datasetName: string,
  extra: Partial<Pick<TaskCreate, 'runner_id' | 'timeout_s' | 'max_attempts'>> = {},
): TaskCreate {
  return TaskCreate.parse({ op: 100, params: { dataset: datasetName }, ...extra });
}

/** A valid op-100 result. */
export const rowsResult = (n = 1) => ({
  columns: [{ name: 'x', type: 'BIGINT', kind: 'number' }],
  rows: Array.from({ length: n }, (_, i) => [i]),
  total_rows: n,
});
