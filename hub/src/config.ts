// Hub configuration: environment variables parsed once with zod, each with a default.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { BLOB_ENV, BLOB_SECRET_VARS, blobConfig, type BlobConfig } from './blobs/config.ts';
import { SECURITY_ENV, securityConfig, type SecurityConfig } from './auth/security-config.ts';
import { LOG_LEVELS, type LogLevel } from './log.ts';

const HUB_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** "7d", "12h", "30m", "45s", "500ms" or a bare number of milliseconds. */
export function parseDuration(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(text);
  if (!m) return undefined;
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(m[2] ?? 'ms') as 'ms'];
  return Math.round(Number(m[1]) * unit);
}

const Duration = z.string().transform((s, ctx) => {
  const ms = parseDuration(s);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: 'expected a duration such as 7d, 12h, 30m, 45s or 500ms' });
    return z.NEVER;
  }
  return ms;
});

const Seconds = (dflt: number, min: number) => z.coerce.number().min(min).default(dflt);

const EnvSchema = z.object({
  SIMPUL_PORT: z.coerce.number().int().min(0).max(65535).default(8080), // HTTP + Socket.IO port; 0 picks a free one
  SIMPUL_HOST: z.string().min(1).default('127.0.0.1'), // interface to listen on; 0.0.0.0 for all
  SIMPUL_DATA_DIR: z.string().min(1).default('./.simpul'), // SQLite file, generated enrolment key, later blobs
  SIMPUL_DATABASE_URL: z.string().optional(), // default: SQLite at <data dir>/simpul.db; postgres://... selects PostgreSQL
  SIMPUL_DATABASE_SCHEMA: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/)
    .optional(), // PostgreSQL schema (also ?schema=NAME)
  SIMPUL_ADMIN_PASSWORD: z.string().min(1).optional(), // bootstraps user admin; unset: generated and printed once
  SIMPUL_ENROLLMENT_KEY: z.string().min(8).optional(), // reusable runner enrolment key; unset: generated and printed
  SIMPUL_HEARTBEAT_S: Seconds(5, 0.1), // how often runners ping
  SIMPUL_LAST_SEEN_WRITE_S: Seconds(60, 0), // a socket runner's last_seen is written at most this often (0: every heartbeat)
  SIMPUL_SOCKET_PING_S: Seconds(40, 1), // Engine.IO's ping on every socket (its timeout is 20 s more)
  SIMPUL_IDLE_HEARTBEAT_S: Seconds(900, 0), // a socket runner that holds no lease pings this often (0: every heartbeat)
  SIMPUL_LEASE_TTL_S: Seconds(15, 0.2), // a lease not renewed within this is expired by the reaper
  SIMPUL_TASK_TIMEOUT_S: z.coerce.number().int().min(1).default(3600), // default execution timeout of a task
  SIMPUL_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(10).default(3), // default attempts before a task fails `lost`
  SIMPUL_INLINE_RESULT_MAX: z.coerce.number().int().min(1024).default(262_144), // largest result stored inline (bytes)
  SIMPUL_RESULT_TTL: Duration.default(7 * 86_400_000), // results are purged this long after the task finished
  SIMPUL_WEB_DIR: z.string().optional(), // built web app; default ../web/build beside hub/
  SIMPUL_LOG_LEVEL: z.enum(LOG_LEVELS).default('info'), // debug | info | warn | error | silent
  SIMPUL_REAPER_INTERVAL_MS: z.coerce.number().int().min(50).default(1000), // how often expired leases are looked for
  SIMPUL_BACKOFF_BASE_MS: z.coerce.number().int().min(0).default(1000), // first retry delay after a lost lease
  SIMPUL_BACKOFF_MAX_MS: z.coerce.number().int().min(0).default(60_000), // retry delay cap
  SIMPUL_OFFER_TIMEOUT_MS: z.coerce.number().int().min(100).default(5000), // a pushed task not acked within this is handed back
  SIMPUL_METRICS_TOKEN: z.string().min(16, 'use at least 16 characters').optional(), // bearer token for GET /metrics; unset: loopback clients only
  ...BLOB_ENV, // the blob store: SIMPUL_BLOB_* and SIMPUL_S3_* (blobs/config.ts)
  ...SECURITY_ENV, // TLS, token overlap and rate limits (auth/security-config.ts)
  SIMPUL_CLUSTER: z.enum(['auto', 'off']).default('auto'), // auto: on PostgreSQL, hubs sharing the database relay pushes and web updates; off: this hub alone
  SIMPUL_STUDY_OFFLINE_S: z.coerce.number().min(0.5).default(60), // a study stops waiting for a runner unheard of this long
  SIMPUL_STUDY_SWEEP_MS: z.coerce.number().int().min(50).default(2000), // how often running studies are re-checked
});

export type DatabaseConfig = { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string; schema?: string };

export interface HubConfig {
  port: number;
  host: string;
  dataDir: string;
  database: DatabaseConfig;
  adminPassword?: string;
  enrollmentKey?: string;
  heartbeatS: number;
  /** A runner on a live socket has last_seen written at most this often; its socket says it is alive meanwhile. */
  lastSeenWriteS: number;
  /** A runner on a live socket that holds no lease heartbeats this often (0: at heartbeatS); it needs lastSeenWriteS > 0. */
  idleHeartbeatS: number;
  /** Engine.IO pings every socket this often: how a quiet runner is heard, and how a socket that died silently is found. */
  socketPingS: number;
  leaseTtlS: number;
  taskTimeoutS: number;
  maxAttempts: number;
  inlineResultMax: number;
  resultTtlMs: number;
  webDir: string;
  logLevel: LogLevel;
  reaperIntervalMs: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  offerTimeoutMs: number;
  metricsToken?: string; // bearer token that /metrics asks for
  blobs: BlobConfig;
  security: SecurityConfig;
  cluster: 'auto' | 'off'; // relay between hubs on one PostgreSQL
  studyOfflineS: number;
  studySweepMs: number;
}

export class ConfigError extends Error {}

/** `X_FILE=/path` supplies the secret `X` from a file (Docker and Kubernetes secrets). */
function withFileSecrets(env: Record<string, string | undefined>): Record<string, string | undefined> {
  const out = { ...env };
  for (const key of [
    'SIMPUL_ADMIN_PASSWORD',
    'SIMPUL_ENROLLMENT_KEY',
    'SIMPUL_DATABASE_URL',
    'SIMPUL_METRICS_TOKEN',
    ...BLOB_SECRET_VARS,
  ]) {
    const file = env[`${key}_FILE`];
    if (out[key] === undefined && file) {
      try {
        out[key] = readFileSync(file, 'utf8').trim();
      } catch (err) {
        throw new ConfigError(`${key}_FILE: cannot read ${file}: ${(err as Error).message}`);
      }
    }
  }
  // An empty variable means "not set", as in most shells' `X= cmd`.
  for (const [k, v] of Object.entries(out)) if (v === '') delete out[k];
  return out;
}

function databaseConfig(url: string | undefined, schema: string | undefined, dataDir: string): DatabaseConfig {
  if (!url) return { kind: 'sqlite', file: path.join(dataDir, 'simpul.db') };
  if (/^postgres(ql)?:\/\//.test(url)) {
    const parsed = new URL(url);
    const fromUrl = parsed.searchParams.get('schema') ?? undefined;
    parsed.searchParams.delete('schema');
    const name = schema ?? fromUrl;
    if (name !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
      throw new ConfigError(`database schema "${name}": letters, digits and _ only`);
    return { kind: 'postgres', url: parsed.toString(), ...(name ? { schema: name } : {}) };
  }
  const file = url.startsWith('sqlite:') ? url.slice('sqlite:'.length).replace(/^\/\//, '') : url;
  return { kind: 'sqlite', file: path.resolve(file) };
}

export function loadConfig(env: Record<string, string | undefined> = process.env): HubConfig {
  const parsed = EnvSchema.safeParse(withFileSecrets(env));
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid hub configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const dataDir = path.resolve(e.SIMPUL_DATA_DIR);
  return {
    port: e.SIMPUL_PORT,
    host: e.SIMPUL_HOST,
    dataDir,
    database: databaseConfig(e.SIMPUL_DATABASE_URL, e.SIMPUL_DATABASE_SCHEMA, dataDir),
    adminPassword: e.SIMPUL_ADMIN_PASSWORD,
    enrollmentKey: e.SIMPUL_ENROLLMENT_KEY,
    heartbeatS: e.SIMPUL_HEARTBEAT_S,
    lastSeenWriteS: e.SIMPUL_LAST_SEEN_WRITE_S,
    idleHeartbeatS: e.SIMPUL_IDLE_HEARTBEAT_S,
    socketPingS: e.SIMPUL_SOCKET_PING_S,
    leaseTtlS: e.SIMPUL_LEASE_TTL_S,
    taskTimeoutS: e.SIMPUL_TASK_TIMEOUT_S,
    maxAttempts: e.SIMPUL_MAX_ATTEMPTS,
    inlineResultMax: e.SIMPUL_INLINE_RESULT_MAX,
    resultTtlMs: e.SIMPUL_RESULT_TTL,
    webDir: path.resolve(e.SIMPUL_WEB_DIR ?? path.join(HUB_DIR, '..', 'web', 'build')),
    logLevel: e.SIMPUL_LOG_LEVEL,
    reaperIntervalMs: e.SIMPUL_REAPER_INTERVAL_MS,
    backoffBaseMs: e.SIMPUL_BACKOFF_BASE_MS,
    backoffMaxMs: e.SIMPUL_BACKOFF_MAX_MS,
    offerTimeoutMs: e.SIMPUL_OFFER_TIMEOUT_MS,
    metricsToken: e.SIMPUL_METRICS_TOKEN,
    blobs: blobConfig(e, dataDir, (message) => new ConfigError(message)),
    security: securityConfig(e, (message) => new ConfigError(message)),
    cluster: e.SIMPUL_CLUSTER,
    studyOfflineS: e.SIMPUL_STUDY_OFFLINE_S,
    studySweepMs: e.SIMPUL_STUDY_SWEEP_MS,
  };
}
