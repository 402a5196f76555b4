// Runner configuration: a YAML or JSON file, SIMPUL_RUNNER_* environment, then flags; zod-parsed once at start-up.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, extname, resolve } from 'node:path';
import { DatasetName, DatasetPolicy, Label, Transport } from '@simpul/protocol';
import YAML from 'yaml';
import { z } from 'zod';
import { ConfigError } from './errors.ts';
import { formatIssues } from './issues.ts';

export const DATASET_FORMATS = ['csv', 'tsv', 'parquet', 'json', 'ndjson'] as const;
export type DatasetFormat = (typeof DATASET_FORMATS)[number];

const DatasetConfig = z
  .object({
    name: DatasetName, // what tasks call it
    path: z.string().min(1), // a file or glob; relative paths resolve against the config file's folder
    format: z.enum(DATASET_FORMATS).optional(), // default: from the file extension
    delimiter: z.string().min(1).max(4).optional(), // CSV/TSV: default auto-detected (TSV: tab)
    header: z.boolean().optional(), // CSV/TSV: default auto-detected
    policy: DatasetPolicy.optional(), // the data owner's rules, enforced here and advertised to the hub
  })
  .strict();

const Settings = z
  .object({
    hub: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).default('http://127.0.0.1:8080'), // the hub's base URL
    name: z.string().min(1).max(128).default(hostname()), // how the runner shows up in the hub
    enrollment_key: z.string().min(1).max(200).optional(), // needed only to register (first start, or after the token was revoked)
    enrollment_key_file: z.string().min(1).optional(), // read the enrolment key from this file instead
    labels: z.array(Label).max(32).default([]), // free-form tags shown in the hub
    concurrency: z.number().int().min(1).max(64).default(2), // tasks run at once
    heartbeat_s: z.number().positive().max(300).optional(), // override the hub's heartbeat interval (seconds)
    transport: Transport.default('websocket'), // websocket (falls back to polling) or polling (HTTP only)
    insecure: z.boolean().default(false), // allow plain http:// to a hub that is not on this machine
    state: z.string().min(1).optional(), // where runner id and token are kept; default <config>.state.json
    grace_s: z.number().min(0).max(3600).default(10), // on SIGTERM, how long running tasks may take to finish
    log_level: z.enum(['debug', 'info', 'warn', 'error']).default('info'), // least severe level printed
    duckdb: z
      .object({
        memory_limit: z.string().regex(/^\d+(\.\d+)?\s*[KMGT]i?B$/i, 'a size like 512MB or 4GiB').optional(), // DuckDB's memory cap; default DuckDB's (80% of RAM)
        threads: z.number().int().min(1).max(256).optional(), // DuckDB worker threads; default: number of cores
      })
      .strict()
      .default({}),
    datasets: z.array(DatasetConfig).max(500).default([]), // the local data this runner serves
  })
  .strict();

export type DatasetConfig = z.infer<typeof DatasetConfig> & { format: DatasetFormat };
export type RunnerConfig = Omit<z.infer<typeof Settings>, 'datasets' | 'enrollment_key_file' | 'state'> & {
  datasets: DatasetConfig[];
  state: string; // absolute path of the state file
  configPath: string | null;
};

/** Overrides from flags, already typed (cli.ts parses them). */
export type ConfigOverrides = Partial<Pick<z.input<typeof Settings>, 'hub' | 'name' | 'enrollment_key' | 'transport' | 'concurrency' | 'insecure' | 'state' | 'log_level'>>;

/** SIMPUL_RUNNER_* variables, so that a runner can be configured without a file (e.g. in a container). */
export function envOverrides(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const str = (key: string, name: string) => {
    const v = env[`SIMPUL_RUNNER_${key}`];
    if (v !== undefined && v !== '') out[name] = v;
  };
  str('HUB', 'hub');
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
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new ConfigError(`${path}: the config must be a mapping of settings (hub, name, datasets, ...)`);
  return doc as Record<string, unknown>;
}

export function formatFromPath(path: string): DatasetFormat | null {
  const p = path.toLowerCase().replace(/\.(gz|zst)$/, '');
  if (p.endsWith('.csv')) return 'csv';
  if (p.endsWith('.tsv') || p.endsWith('.tab')) return 'tsv';
  if (p.endsWith('.parquet') || p.endsWith('.pq')) return 'parquet';
  if (p.endsWith('.ndjson') || p.endsWith('.jsonl')) return 'ndjson';
  if (p.endsWith('.json')) return 'json';
  return null;
}

const isGlob = (p: string) => /[*?[]/.test(p);

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

export function loadConfig(opts: { configPath?: string; overrides?: ConfigOverrides; env?: NodeJS.ProcessEnv }): RunnerConfig {
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
  const datasets: DatasetConfig[] = s.datasets.map((d, i) => {
    const path = resolve(base, d.path);
    if (seen.has(d.name)) problems.push(`datasets[${i}].name: "${d.name}" is used twice; dataset names must be unique`);
    seen.add(d.name);
    if (!isGlob(path)) {
      if (!existsSync(path)) problems.push(`datasets[${i}].path: file not found: ${path}`);
      else if (!statSync(path).isFile()) problems.push(`datasets[${i}].path: not a file: ${path}`);
    }
    const format = d.format ?? formatFromPath(path);
    if (!format) problems.push(`datasets[${i}].format: cannot tell the format of ${path} from its extension; set format to one of ${DATASET_FORMATS.join(', ')}`);
    return { ...d, path, format: format ?? 'csv' };
  });
  if (problems.length) throw new ConfigError(`${configPath ?? 'config'}:\n${problems.map((p) => `  ${p}`).join('\n')}`);

  const hub = s.hub.replace(/\/+$/, '');
  checkHubUrl(hub, s.insecure);
  // A state path from the file is relative to the file; one from a flag or the environment, to the working directory.
  const stateBase = fromEnv.state === undefined && flags.state === undefined ? base : process.cwd();
  const state = s.state ? resolve(stateBase, s.state) : configPath ? `${configPath}.state.json` : resolve('.runner-state.json');
  const { enrollment_key_file: _f, ...rest } = s;
  return { ...rest, hub, enrollment_key, datasets, state, configPath };
}
