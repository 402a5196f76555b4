// Runner configuration: a YAML or JSON file, SIMPUL_RUNNER_* environment, then flags; zod-parsed once at start-up.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, extname, join, resolve } from 'node:path';
import { Label, Transport } from '@simpul/protocol';
import YAML from 'yaml';
import { z } from 'zod';
import { type DatasetConfig, DatasetEntry, resolveDataset } from './dataset-config.ts';
import { ConfigError } from './errors.ts';
import { formatIssues } from './issues.ts';

export { DATASET_FORMATS, type DatasetConfig, type DatasetFormat, formatFromPath } from './dataset-config.ts';

const Settings = z
  .object({
    hub: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).default('http://127.0.0.1:8080'), // the hub's base URL
    hubs: z
      .array(z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }))
      .min(1)
      .max(16)
      .optional(), // several hubs of one cluster: the runner moves to the next when one fails (`hub`, if set, goes first)
    name: z.string().min(1).max(128).default(hostname()), // how the runner shows up in the hub
    enrollment_key: z.string().min(1).max(200).optional(), // needed only to register (first start, or after the token was revoked)
    enrollment_key_file: z.string().min(1).optional(), // read the enrolment key from this file instead
    labels: z.array(Label).max(32).default([]), // free-form tags shown in the hub
    concurrency: z.number().int().min(1).max(64).default(2), // tasks run at once
    heartbeat_s: z.number().positive().max(300).optional(), // override the hub's heartbeat interval (seconds)
    transport: Transport.default('websocket'), // websocket (falls back to polling) or polling (HTTP only)
    insecure: z.boolean().default(false), // allow plain http:// to a hub that is not on this machine
    ca_file: z.string().min(1).optional(), // PEM CA certificate(s) to trust for an https:// hub besides the system's (e.g. its self-signed cert.pem)
    audit_log: z.string().min(1).optional(), // the local audit file, one JSON line per task executed; default <config>.audit.jsonl
    state: z.string().min(1).optional(), // where runner id and token are kept; default <config>.state.json
    cache_dir: z.string().min(1).optional(), // where Arrow files are kept converted to Parquet; default simpul-cache/ next to the state file
    grace_s: z.number().min(0).max(3600).default(10), // on SIGTERM, how long running tasks may take to finish
    log_level: z.enum(['debug', 'info', 'warn', 'error']).default('info'), // least severe level printed
    duckdb: z
      .object({
        memory_limit: z
          .string()
          .regex(/^\d+(\.\d+)?\s*[KMGT]i?B$/i, 'a size like 512MB or 4GiB')
          .optional(), // DuckDB's memory cap; default DuckDB's (80% of RAM)
        threads: z.number().int().min(1).max(256).optional(), // DuckDB worker threads; default: number of cores
      })
      .strict()
      .default({}),
    datasets: z.array(DatasetEntry).max(500).default([]), // the local data this runner serves
  })
  .strict();

export type RunnerConfig = Omit<
  z.infer<typeof Settings>,
  'datasets' | 'enrollment_key_file' | 'state' | 'cache_dir' | 'hubs' | 'audit_log'
> & {
  audit_log: string; // absolute path of the local audit file
  hubs: string[]; // every hub URL, `hub` (the first) included
  datasets: DatasetConfig[];
  state: string; // absolute path of the state file
  cache_dir: string; // absolute path of the cache folder
  configPath: string | null;
};

/** Overrides from flags, already typed (cli.ts parses them). */
export type ConfigOverrides = Partial<
  Pick<
    z.input<typeof Settings>,
    'hub' | 'name' | 'enrollment_key' | 'transport' | 'concurrency' | 'insecure' | 'state' | 'log_level' | 'ca_file'
  >
>;

/** SIMPUL_RUNNER_* variables, so that a runner can be configured without a file (e.g. in a container). */
export function envOverrides(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const str = (key: string, name: string) => {
    const v = env[`SIMPUL_RUNNER_${key}`];
    if (v !== undefined && v !== '') out[name] = v;
  };
  str('HUB', 'hub');
  str('CA_FILE', 'ca_file');
  str('AUDIT_LOG', 'audit_log');
  const hubs = env.SIMPUL_RUNNER_HUBS; // comma-separated
  if (hubs)
    out.hubs = hubs
      .split(',')
      .map((u) => u.trim())
      .filter(Boolean);
  str('NAME', 'name');
  str('ENROLLMENT_KEY', 'enrollment_key');
  str('ENROLLMENT_KEY_FILE', 'enrollment_key_file');
  str('TRANSPORT', 'transport');
  str('STATE', 'state');
  str('LOG_LEVEL', 'log_level');
  const conc = env.SIMPUL_RUNNER_CONCURRENCY;
  if (conc) out.concurrency = /^\d+$/.test(conc) ? Number(conc) : conc;
  const insecure = env.SIMPUL_RUNNER_INSECURE;
  if (insecure) out.insecure = ['1', 'true', 'yes'].includes(insecure.toLowerCase());
  return out;
}

export function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read config file ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  let doc: unknown;
  try {
    // YAML is a superset of JSON, so one parser reads both.
    doc = YAML.parse(text, { prettyErrors: true });
  } catch (e) {
    throw new ConfigError(`${path}: not valid ${extname(path) === '.json' ? 'JSON' : 'YAML'}: ${(e as Error).message}`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc))
    throw new ConfigError(`${path}: the config must be a mapping of settings (hub, name, datasets, ...)`);
  return doc as Record<string, unknown>;
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\]|::1)$/i;

/** Tokens must not cross a network in clear text, unless the operator says so. */
export function checkHubUrl(hub: string, insecure: boolean): void {
  const url = new URL(hub);
  if (url.protocol === 'http:' && !LOOPBACK.test(url.hostname) && !insecure) {
    throw new ConfigError(
      `refusing to talk to ${hub} over plain http: the runner's token would cross the network unencrypted. Use an https:// hub URL, or pass --insecure (insecure: true) if this network is trusted.`,
    );
  }
}

export function loadConfig(opts: {
  configPath?: string;
  overrides?: ConfigOverrides;
  env?: NodeJS.ProcessEnv;
}): RunnerConfig {
  const env = opts.env ?? process.env;
  const configPath = opts.configPath ? resolve(opts.configPath) : null;
  const file = configPath ? readConfigFile(configPath) : {};
  const flags = Object.fromEntries(Object.entries(opts.overrides ?? {}).filter(([, v]) => v !== undefined));
  const fromEnv = envOverrides(env);
  const parsed = Settings.safeParse({ ...file, ...fromEnv, ...flags });
  if (!parsed.success) throw new ConfigError(`${configPath ?? 'config'}:\n${formatIssues(parsed.error, '  ')}`);
  const s = parsed.data;
  const base = configPath ? dirname(configPath) : process.cwd();
  const problems: string[] = [];

  let enrollment_key = s.enrollment_key;
  if (!enrollment_key && s.enrollment_key_file) {
    const keyPath = resolve(base, s.enrollment_key_file);
    try {
      enrollment_key = readFileSync(keyPath, 'utf8').trim();
    } catch {
      problems.push(`enrollment_key_file: cannot read ${keyPath}`);
    }
  }

  const seen = new Set<string>();
  const datasets: DatasetConfig[] = [];
  s.datasets.forEach((d, i) => {
    if (seen.has(d.name)) problems.push(`datasets[${i}].name: "${d.name}" is used twice; dataset names must be unique`);
    seen.add(d.name);
    const resolved = resolveDataset(d, `datasets[${i}]`, base, env, problems);
    if (resolved) datasets.push(resolved);
  });
  if (problems.length) throw new ConfigError(`${configPath ?? 'config'}:\n${problems.map((p) => `  ${p}`).join('\n')}`);

  const hub = s.hub.replace(/\/+$/, '');
  checkHubUrl(hub, s.insecure);
  // `hub` joins the list only when it was set: its default must not shadow a configured cluster.
  const hubSet = 'hub' in file || fromEnv.hub !== undefined || flags.hub !== undefined;
  const hubs = [...new Set([...(s.hubs && !hubSet ? [] : [hub]), ...(s.hubs ?? []).map((u) => u.replace(/\/+$/, ''))])];
  for (const h of hubs) checkHubUrl(h, s.insecure);
  // A state path from the file is relative to the file; one from a flag or the environment, to the working directory.
  const stateBase = fromEnv.state === undefined && flags.state === undefined ? base : process.cwd();
  const state = s.state
    ? resolve(stateBase, s.state)
    : configPath
      ? `${configPath}.state.json`
      : resolve('.runner-state.json');
  const cache_dir = s.cache_dir ? resolve(base, s.cache_dir) : join(dirname(state), 'simpul-cache');
  const { enrollment_key_file: _f, ...rest } = s;
  // Files named in the config file are relative to it; from a flag or the environment, to the working directory.
  const pathOf = (v: string | undefined, key: string) =>
    v === undefined
      ? undefined
      : resolve(fromEnv[key] === undefined && flags[key] === undefined ? base : process.cwd(), v);
  const ca_file = pathOf(s.ca_file, 'ca_file');
  const audit_log =
    pathOf(s.audit_log, 'audit_log') ?? (configPath ? `${configPath}.audit.jsonl` : resolve('.runner-audit.jsonl'));
  return { ...rest, hub: hubs[0], hubs, enrollment_key, datasets, state, cache_dir, configPath, ca_file, audit_log };
}
