// `simpul-runner check`: is this config good to run? Config, datasets (with schemas), policies, hub, certificate, identity.
import { type DatasetInfo, type DatasetPolicy, OP_CODES, OP_NAMES } from '@simpul/protocol';
import { loadConfig, type RunnerConfig } from '../config.ts';
import { Engine } from '../engine/engine.ts';
import { ConfigError, EXIT, type ExitCode, errorMessage } from '../errors.ts';
import { createLogger } from '../log.ts';
import { readState, type RunnerState } from '../state.ts';
import { socketTlsOptions, trustCaFile } from '../tls.ts';
import { CONFIG_FLAGS, overridesOf, parseFlags, Report } from './flags.ts';
import { checkCertificate, probeHub } from './hub-probe.ts';

export const CHECK_HELP = `simpul-runner check: say exactly what is wrong with a runner config before you run it.

Usage:
  simpul-runner check --config FILE [--offline] [--sample N] [flags]

Checks, in order, one line each (ok, warn or FAIL):
  config       the file parses and every setting is valid
  dataset      each dataset opens; its format, row count, how it is read (a CSV's delimiter, quote,
               header, encoding and line endings; an Excel sheet and header row) and its columns'
               types are shown, and a warn line for each thing the owner should look at (short rows
               padded with nulls, header names made unique, an encoding guessed)
  policy       each dataset's policy makes sense (allowed operations, row limit, minimum group size)
  hub          each hub answers GET /healthz and speaks this runner's protocol
  certificate  an https hub's certificate is trusted, matches its name and is not about to expire
  identity     the state file holds an identity for this hub, or there is an enrolment key to register

Flags:
  -c, --config FILE          the runner config (YAML or JSON)
      --offline              skip the hub, certificate and identity checks (no network)
      --sample N             also show each dataset's first N rows (0-20; default 0: no values are printed)
      --hub URL, --enrollment-key KEY, --name NAME, --state FILE, --insecure, --ca-file FILE
                             as for simpul-runner run: override the config file

Exit codes: 0 nothing wrong (warnings allowed), 2 at least one FAIL line or an unusable config.

Examples:
  simpul-runner check --config runner.yaml
  simpul-runner check --config /etc/simpul/runner.yaml --offline
`;

const ROW_OPS = [100, 200] as const; // operations that return raw rows

/** What a data owner probably did not mean; failures make tasks fail, warnings only deserve a look. */
export function policyProblems(policy: DatasetPolicy | undefined): { fail: string[]; warn: string[] } {
  const fail: string[] = [];
  const warn: string[] = [];
  if (!policy) {
    warn.push('no policy: every operation is allowed, raw rows are unlimited and small groups are not suppressed');
    return { fail, warn };
  }
  const allowed = policy.allow_ops ?? [...OP_CODES];
  if (policy.allow_ops && policy.allow_ops.length === 0)
    fail.push('allow_ops is empty: every task on this dataset will be refused');
  if (policy.allow_ops && new Set(policy.allow_ops).size !== policy.allow_ops.length)
    warn.push('allow_ops lists an operation twice');
  if (policy.max_rows === 0 && ROW_OPS.some((op) => allowed.includes(op)))
    warn.push(
      `max_rows is 0 but ${ROW_OPS.filter((op) => allowed.includes(op)).join(' and ')} (raw rows) are allowed: they will return no rows`,
    );
  if (policy.max_rows === undefined && ROW_OPS.some((op) => allowed.includes(op)))
    warn.push('raw rows are allowed (op 100/200) with no max_rows limit');
  if (policy.min_group_size === 1)
    warn.push('min_group_size 1 suppresses nothing: any group, even of one person, is reported');
  return { fail, warn };
}

function describePolicy(p: DatasetPolicy | undefined): string {
  if (!p) return 'none';
  const parts: string[] = [];
  if (p.allow_ops) parts.push(`allows ${p.allow_ops.map((op) => `${op} ${OP_NAMES[op]}`).join(', ') || 'nothing'}`);
  else parts.push('allows every operation');
  if (p.max_rows !== undefined) parts.push(`max_rows ${p.max_rows}`);
  if (p.min_group_size !== undefined) parts.push(`min_group_size ${p.min_group_size}`);
  return parts.join('; ');
}

async function checkDatasets(config: RunnerConfig, report: Report, sample = 0): Promise<DatasetInfo[]> {
  if (!config.datasets.length) {
    report.line('warn', 'datasets: none configured: every task sent to this runner will fail with dataset_not_found');
    return [];
  }
  const engine = await Engine.open(
    config.duckdb,
    config.datasets,
    createLogger('error', {}, () => {}),
    { cacheDir: config.cache_dir },
  );
  try {
    const infos = engine.datasets();
    for (const d of infos) {
      if (d.error) {
        report.line('FAIL', `dataset ${d.name}: cannot open: ${d.error}`);
        continue;
      }
      const rows = d.row_count === null ? 'row count unknown' : `${d.row_count} rows`;
      const ds = engine.dataset(d.name);
      const details = [
        ...(ds.dialect ? [`read as: ${ds.dialect}`] : []),
        ...d.columns.map((c) => `${c.name}: ${c.type} (${c.kind})`),
      ];
      if (sample > 0) details.push(...(await firstRows(engine, d.name, sample)));
      report.line('ok', `dataset ${d.name}: ${d.format ?? 'data'}, ${rows}, ${d.columns.length} columns`, details);
      for (const w of d.warnings ?? []) report.line('warn', `dataset ${d.name}: ${w}`);
      const { fail, warn } = policyProblems(d.policy);
      if (!fail.length && !warn.length) report.line('ok', `policy ${d.name}: ${describePolicy(d.policy)}`);
      for (const f of fail) report.line('FAIL', `policy ${d.name}: ${f}`);
      for (const w of warn) report.line('warn', `policy ${d.name}: ${w}`);
    }
    return infos;
  } finally {
    await engine.close();
  }
}

/** The dataset's first rows as the engine reads them, one line each (cells cut to 40 characters). */
async function firstRows(engine: Engine, name: string, n: number): Promise<string[]> {
  const db = await engine.session(new AbortController().signal);
  try {
    const rel = await engine.dataset(name).relation(db, []);
    const r = await db.query(`SELECT * FROM ${rel.relation} LIMIT ${n}`);
    const cell = (v: unknown) => (v === null ? 'null' : JSON.stringify(v).slice(0, 40));
    return [
      `first ${r.rows.length} row${r.rows.length === 1 ? '' : 's'}:`,
      ...r.rows.map((row) => `  ${row.map(cell).join(' | ')}`),
    ];
  } catch (e) {
    return [`first rows: cannot read: ${errorMessage(e).split('\n')[0]}`];
  } finally {
    db.close();
  }
}

async function checkHubs(config: RunnerConfig, report: Report): Promise<void> {
  let ca: string[] | undefined;
  if (config.ca_file) {
    try {
      trustCaFile(config.ca_file); // fetch (the hub probe) trusts it too, as the running runner does
      ca = socketTlsOptions().ca;
      report.line('ok', `ca_file ${config.ca_file}: trusted besides the system's certificates`);
    } catch (e) {
      report.line('FAIL', errorMessage(e));
    }
  }
  for (const hub of config.hubs) {
    const probe = await probeHub(hub);
    report.line(probe.ok ? 'ok' : 'FAIL', `hub ${hub}: ${probe.detail}`);
    if (new URL(hub).protocol === 'https:') {
      const cert = await checkCertificate(hub, ca);
      report.line(cert.ok ? 'ok' : 'FAIL', `certificate ${hub}: ${cert.detail}`);
      if (cert.ok && cert.warn) report.line('warn', `certificate ${hub}: ${cert.warn}`);
    } else if (config.insecure && !/^(localhost|127\.|\[::1\])/.test(new URL(hub).host)) {
      report.line(
        'warn',
        `certificate ${hub}: none: plain http with --insecure, the runner's token crosses the network unencrypted`,
      );
    } else report.line('ok', `certificate ${hub}: not needed (plain http to this machine)`);
  }
}

function checkIdentity(config: RunnerConfig, report: Report): void {
  let state: RunnerState | null;
  try {
    state = readState(config.state);
  } catch (e) {
    report.line('FAIL', `identity: ${errorMessage(e)}`);
    return;
  }
  if (state && config.hubs.includes(state.hub)) {
    report.line('ok', `identity: registered as ${state.runner_id} with ${state.hub} (state file ${config.state})`);
  } else if (config.enrollment_key) {
    const why = state ? `the state file belongs to ${state.hub}` : 'no state file yet';
    report.line('ok', `identity: ${why}; the runner registers at first start with its enrolment key`);
  } else {
    report.line(
      'FAIL',
      `identity: not registered with ${config.hub} and no enrolment key: set enrollment_key (or --enrollment-key) for the first start`,
    );
  }
}

export async function checkCommand(argv: string[], out = (t: string) => process.stdout.write(t)): Promise<ExitCode> {
  const values = parseFlags('check', argv, {
    ...CONFIG_FLAGS,
    offline: { type: 'boolean' },
    sample: { type: 'string' },
  });
  const sample = values.sample === undefined ? 0 : Number(values.sample);
  if (!Number.isInteger(sample) || sample < 0 || sample > 20)
    throw new ConfigError(`check: --sample wants a whole number from 0 to 20, not ${values.sample}`);
  if (values.help) {
    out(CHECK_HELP);
    return EXIT.ok;
  }
  const report = new Report(out);
  let config: RunnerConfig;
  try {
    config = loadConfig({ configPath: values.config, overrides: overridesOf(values) });
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    report.line(
      'FAIL',
      `config ${values.config ?? '(none: flags and environment only)'}: not usable`,
      e.message
        .split('\n')
        .filter((l) => l.trim())
        .map((l) => l.trim()),
    );
    out(`${report.summary()}\n`);
    return EXIT.usage;
  }
  report.line(
    'ok',
    `config ${config.configPath ?? '(flags and environment)'}: hub ${config.hub}, name ${config.name}, ${config.transport}, concurrency ${config.concurrency}`,
  );
  await checkDatasets(config, report, sample);
  if (values.offline) report.line('ok', 'hub: not checked (--offline)');
  else {
    await checkHubs(config, report);
    checkIdentity(config, report);
  }
  out(`${report.summary()}\n`);
  return report.failures ? EXIT.usage : EXIT.ok;
}
