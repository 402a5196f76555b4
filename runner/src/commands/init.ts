// `simpul-runner init`: ask for (or take as flags) the hub, the enrolment key and the datasets, check each dataset opens, write the config.
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, resolve } from 'node:path';
import { DatasetName } from '@simpul/protocol';
import YAML from 'yaml';
import { checkHubUrl, loadConfig } from '../config.ts';
import { Engine } from '../engine/engine.ts';
import { ConfigError, EXIT, type ExitCode, errorMessage } from '../errors.ts';
import { createLogger } from '../log.ts';
import { parseFlags, Report } from './flags.ts';
import { probeHub } from './hub-probe.ts';
import { Prompt } from './prompt.ts';
import { trustCaFile } from '../tls.ts';

export const INIT_HELP = `simpul-runner init: write a runner config, after checking that each dataset opens.

Usage:
  simpul-runner init [--config FILE] [--hub URL] [--enrollment-key KEY] [--dataset NAME=PATH ...] [flags]

What is not given as a flag is asked for on stdin, one answer per line: the hub URL, the enrolment key (printed by
the hub at its first start, or made by an admin), then datasets as NAME=PATH until an empty line. Paths may be files,
globs or folders of CSV, TSV, Parquet, JSON, NDJSON or Arrow files, or SQLite files. Nothing is written unless every
dataset opens. The file holds the enrolment key, so it is written with mode 0600.

Flags:
  -c, --config FILE            where to write the config (default ./runner.yaml)
      --hub URL                the hub's base URL
      --enrollment-key KEY     the enrolment key
  -d, --dataset NAME=PATH      a dataset; repeat for more
      --name NAME              how this runner shows up in the hub (default: the host name)
      --insecure               allow plain http:// to a hub that is not on this machine
      --ca-file FILE           trust this PEM CA for an https:// hub (e.g. the hub's self-signed cert.pem)
      --force                  overwrite an existing config file
      --offline                do not look for the hub (it is checked otherwise, and only warned about)

Examples:
  simpul-runner init
  simpul-runner init --hub https://simpul.example.org --enrollment-key sme_… --dataset patients=/data/patients.csv
  simpul-runner init -c /etc/simpul/runner.yaml --hub http://127.0.0.1:8080 -d visits=/data/visits/ -d labs=/data/labs.parquet
`;

interface Answers {
  hub: string;
  enrollment_key: string;
  name: string;
  datasets: { name: string; path: string }[];
  insecure: boolean;
  ca_file?: string;
}

/** `patients=/data/p.csv` → { name, path } (the path made absolute), or a message saying what is wrong. */
export function parseDataset(text: string, cwd = process.cwd()): { name: string; path: string } | string {
  const eq = text.indexOf('=');
  if (eq < 1) return `"${text}": write a dataset as NAME=PATH, e.g. patients=/data/patients.csv`;
  const name = text.slice(0, eq).trim();
  const path = text.slice(eq + 1).trim();
  const ok = DatasetName.safeParse(name);
  if (!ok.success) return `"${name}": ${ok.error.issues[0]?.message ?? 'not a valid dataset name'}`;
  if (!path) return `"${text}": the path is empty`;
  return { name, path: resolve(cwd, path) };
}

function validHub(url: string, insecure: boolean): string | null {
  try {
    const u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return 'must be an http:// or https:// URL';
    checkHubUrl(url.replace(/\/+$/, ''), insecure);
    return null;
  } catch (e) {
    return e instanceof ConfigError ? e.message : 'must be an http:// or https:// URL';
  }
}

async function gather(
  values: ReturnType<typeof flags>,
  prompt: Prompt,
  err: (t: string) => void,
): Promise<Answers | null> {
  const insecure = values.insecure === true;
  let hub = values.hub;
  while (hub === undefined || validHub(hub, insecure)) {
    if (hub !== undefined) {
      err(`hub ${hub}: ${validHub(hub, insecure)}\n`);
      if (values.hub !== undefined && hub === values.hub) return null; // a bad flag: no point asking
    }
    const a = await prompt.ask('Hub URL', 'http://127.0.0.1:8080');
    if (a === null) return (err('no hub URL given: pass --hub URL\n'), null);
    hub = a;
  }
  let key = values['enrollment-key'];
  while (!key) {
    const a = await prompt.ask('Enrolment key (sme_…)');
    if (a === null)
      return (err('no enrolment key given: pass --enrollment-key KEY (the hub prints one at its first start)\n'), null);
    key = a;
  }
  const datasets: Answers['datasets'] = [];
  for (const d of values.dataset ?? []) {
    const parsed = parseDataset(d);
    if (typeof parsed === 'string') return (err(`--dataset ${parsed}\n`), null);
    datasets.push(parsed);
  }
  if (!values.dataset?.length) {
    for (;;) {
      const a = await prompt.ask(
        datasets.length
          ? 'Another dataset NAME=PATH (empty line when done)'
          : 'Dataset NAME=PATH (empty line when done)',
      );
      if (a === null || a === '') break;
      const parsed = parseDataset(a);
      if (typeof parsed === 'string') err(`${parsed}\n`);
      else if (!existsSync(parsed.path) && !/[*?[]/.test(parsed.path))
        err(`${parsed.name}: no file or folder at ${parsed.path}\n`);
      else datasets.push(parsed);
    }
  }
  if (!datasets.length) return (err('no datasets given: pass --dataset NAME=PATH (one per dataset)\n'), null);
  return {
    hub: hub.replace(/\/+$/, ''),
    enrollment_key: key,
    name: values.name ?? hostname(),
    datasets,
    insecure,
    ...(values['ca-file'] ? { ca_file: resolve(values['ca-file']) } : {}),
  };
}

function flags(argv: string[]) {
  return parseFlags('init', argv, {
    config: { type: 'string', short: 'c' },
    hub: { type: 'string' },
    'enrollment-key': { type: 'string' },
    dataset: { type: 'string', short: 'd', multiple: true },
    name: { type: 'string' },
    insecure: { type: 'boolean' },
    'ca-file': { type: 'string' },
    force: { type: 'boolean' },
    offline: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
}

export async function initCommand(
  argv: string[],
  io = { out: (t: string) => process.stdout.write(t), err: (t: string) => process.stderr.write(t) },
): Promise<ExitCode> {
  const values = flags(argv);
  if (values.help) {
    io.out(INIT_HELP);
    return EXIT.ok;
  }
  const target = resolve(values.config ?? 'runner.yaml');
  if (existsSync(target) && !values.force) {
    io.err(`${target} exists already: pass --force to overwrite it, or --config to write elsewhere\n`);
    return EXIT.usage;
  }
  const prompt = new Prompt();
  let answers: Answers | null;
  try {
    answers = await gather(values, prompt, io.err);
  } finally {
    prompt.close();
  }
  if (!answers) return EXIT.usage;

  const doc = {
    hub: answers.hub,
    name: answers.name,
    enrollment_key: answers.enrollment_key,
    ...(answers.insecure ? { insecure: true } : {}),
    ...(answers.ca_file ? { ca_file: answers.ca_file } : {}),
    datasets: answers.datasets,
  };
  const text = `# Simpul runner config, written by simpul-runner init. Reference: simpul-runner --help\n${YAML.stringify(doc)}`;
  // Checked as the runner will read it: from a file beside the target, so that relative settings resolve the same way.
  const draft = `${target}.init-${process.pid}.tmp`;
  const report = new Report(io.out);
  try {
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(draft, text, { mode: 0o600 });
    const config = loadConfig({ configPath: draft, overrides: { state: `${target}.state.json` } });
    const engine = await Engine.open(
      config.duckdb,
      config.datasets,
      createLogger('error', {}, () => {}),
      { cacheDir: config.cache_dir },
    );
    try {
      for (const d of engine.datasets()) {
        if (d.error) report.line('FAIL', `dataset ${d.name}: cannot open: ${d.error}`);
        else
          report.line(
            'ok',
            `dataset ${d.name}: ${d.format ?? 'data'}, ${d.row_count ?? 'unknown'} rows, ${d.columns.length} columns (${d.columns.map((c) => c.name).join(', ')})`,
          );
      }
    } finally {
      await engine.close();
    }
    if (report.failures) {
      io.err(`nothing written: fix the datasets marked FAIL and run simpul-runner init again\n`);
      return EXIT.usage;
    }
    renameSync(draft, target);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    io.err(`nothing written: ${errorMessage(e).replace(draft, target)}\n`);
    return EXIT.usage;
  } finally {
    rmSync(draft, { force: true });
  }

  if (!values.offline) {
    if (answers.ca_file) trustCaFile(answers.ca_file);
    const probe = await probeHub(answers.hub);
    report.line(probe.ok ? 'ok' : 'warn', `hub ${answers.hub}: ${probe.detail}`);
  }
  io.out(
    `wrote ${target} (mode 0600: it holds the enrolment key)\n\nNext:\n  simpul-runner check --config ${target}\n  simpul-runner --config ${target}\n`,
  );
  io.out(
    `The runner keeps its identity in ${target}.state.json and its status (simpul-runner status) in ${target}.status.json.\n`,
  );
  return EXIT.ok;
}
