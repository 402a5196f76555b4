// `simpul-runner`: serve local datasets to a Simpul hub. Commands: run (default), init, check, status, review, rotate-token, help.
import { parseArgs } from 'node:util';
import { Transport } from '@simpul/protocol';
import { type ConfigOverrides, loadConfig } from './config.ts';
import { ConfigError, EXIT, type ExitCode, FatalError, errorMessage } from './errors.ts';
import { createLogger } from './log.ts';
import { RUNNER_VERSION } from './version.ts';

const HELP = `simpul-runner ${RUNNER_VERSION}: run Simpul operations on local data, for a Simpul hub. Only results leave this machine.

Usage:
  simpul-runner [run] --config FILE [flags]   connect to the hub and serve the configured datasets
  simpul-runner init [flags]                  ask for hub, enrolment key and datasets; check them; write the config
  simpul-runner check --config FILE           check config, datasets (schemas shown), policies, hub and certificate
  simpul-runner status --config FILE          connection, current tasks with progress, last errors of a running runner
  simpul-runner review --config FILE          results held for the data owner's review: list, show, approve, deny
  simpul-runner rotate-token --config FILE    replace the runner's token; a running runner switches to the new one
  simpul-runner help [COMMAND] | COMMAND --help | --version

Flags (override the config file, which overrides SIMPUL_RUNNER_* environment variables):
  -c, --config FILE          YAML or JSON config: hub (or hubs), name, enrollment_key, labels, concurrency, duckdb, datasets
      --hub URL              the hub's base URL (default http://127.0.0.1:8080)
      --enrollment-key KEY   enrolment key, needed to register (first start, or after the token was revoked)
      --name NAME            how this runner shows up in the hub (default: the host name)
      --transport MODE       websocket (default; falls back to HTTP polling) or polling (HTTP long-poll only)
      --concurrency N        tasks run at once (default 2)
      --insecure             allow plain http:// to a hub that is not on this machine
      --ca-file FILE         trust this PEM CA (e.g. a hub's self-signed cert.pem) besides the system's, for https:// hubs
      --state FILE           where the runner id and token are kept (default <config>.state.json)
      --log-level LEVEL      debug, info (default), warn or error

Config file example (runner.yaml):
  hub: https://simpul.example.org
  name: lab-runner
  enrollment_key: sme_...
  concurrency: 2
  duckdb: { memory_limit: 2GB, threads: 4 }
  datasets:
    - { name: weather, path: ./data/seattle-weather.csv }
    - { name: flights, path: /data/flights.parquet, policy: { allow_ops: [100, 200], max_rows: 1000 } }

Examples:
  simpul-runner init --hub http://127.0.0.1:8080 --enrollment-key sme_abc --dataset patients=./patients.csv
  simpul-runner --config runner.yaml
  simpul-runner --config runner.yaml --hub http://127.0.0.1:8080 --enrollment-key sme_abc --transport polling
  npm run runner -- --config runner.yaml

Exit codes: 0 stopped cleanly, 1 unexpected failure, 2 bad flags or config, 3 the hub refused the enrolment key or token,
4 runner and hub speak different protocol versions. Logs are JSON lines on stdout (readable lines on a terminal); each
task's lines carry its task_id and request_id. The running runner keeps <config>.status.json for simpul-runner status.
`;

interface Command {
  help: string;
  run(argv: string[]): Promise<ExitCode>;
}

/** Commands with their own flags and help, loaded on use: `status` and `--help` need no DuckDB. */
const COMMANDS: Record<string, () => Promise<Command>> = {
  init: async () => {
    const m = await import('./commands/init.ts');
    return { help: m.INIT_HELP, run: (a) => m.initCommand(a) };
  },
  check: async () => {
    const m = await import('./commands/check.ts');
    return { help: m.CHECK_HELP, run: (a) => m.checkCommand(a) };
  },
  status: async () => {
    const m = await import('./commands/status.ts');
    return { help: m.STATUS_HELP, run: (a) => m.statusCommand(a) };
  },
  review: async () => {
    const m = await import('./commands/review.ts');
    return { help: m.REVIEW_HELP, run: (a) => m.reviewCommand(a) };
  },
  'rotate-token': async () => {
    const m = await import('./commands/rotate-token.ts');
    return { help: m.ROTATE_HELP, run: (a) => m.rotateTokenCommand(a) };
  },
};

function parse(argv: string[]): {
  command: string;
  configPath?: string;
  overrides: ConfigOverrides;
  help: boolean;
  version: boolean;
} {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: 'string', short: 'c' },
      hub: { type: 'string' },
      'enrollment-key': { type: 'string' },
      name: { type: 'string' },
      transport: { type: 'string' },
      concurrency: { type: 'string' },
      insecure: { type: 'boolean' },
      'ca-file': { type: 'string' },
      state: { type: 'string' },
      'log-level': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
    },
  });
  if (positionals.length > 1)
    throw new ConfigError(`unexpected arguments: ${positionals.slice(1).join(' ')} (see --help)`);
  const command = positionals[0] ?? 'run';
  if (!['run', 'help'].includes(command))
    throw new ConfigError(`unknown command "${command}"; use run, init, check, status or help (see --help)`);
  const transport = values.transport === undefined ? undefined : Transport.safeParse(values.transport);
  if (transport && !transport.success)
    throw new ConfigError(`--transport must be websocket or polling, not "${values.transport}"`);
  let concurrency: number | undefined;
  if (values.concurrency !== undefined) {
    concurrency = Number(values.concurrency);
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64)
      throw new ConfigError(`--concurrency must be a whole number from 1 to 64, not "${values.concurrency}"`);
  }
  const level = values['log-level'];
  if (level !== undefined && !['debug', 'info', 'warn', 'error'].includes(level))
    throw new ConfigError(`--log-level must be debug, info, warn or error`);
  return {
    command,
    configPath: values.config,
    help: values.help === true || command === 'help',
    version: values.version === true,
    overrides: {
      hub: values.hub,
      enrollment_key: values['enrollment-key'],
      name: values.name,
      transport: transport?.data,
      concurrency,
      insecure: values.insecure,
      ca_file: values['ca-file'],
      state: values.state,
      log_level: level as ConfigOverrides['log_level'],
    },
  };
}

async function main(argv: string[]): Promise<ExitCode> {
  const [first, ...rest] = argv;
  if (first !== undefined && Object.hasOwn(COMMANDS, first)) return (await COMMANDS[first]()).run(rest);
  if (first === 'help' && rest[0] !== undefined && Object.hasOwn(COMMANDS, rest[0])) {
    process.stdout.write((await COMMANDS[rest[0]]()).help);
    return EXIT.ok;
  }
  const args = parse(argv);
  if (args.help) {
    process.stdout.write(HELP);
    return EXIT.ok;
  }
  if (args.version) {
    process.stdout.write(`${RUNNER_VERSION}\n`);
    return EXIT.ok;
  }
  const config = loadConfig({ configPath: args.configPath, overrides: args.overrides });
  if (config.ca_file) (await import('./tls.ts')).trustCaFile(config.ca_file); // before the first request to the hub
  const log = createLogger(config.log_level, { runner: config.name });
  const stop = new AbortController();
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    signals++;
    if (signals > 1) {
      log.warn('second signal: exiting now', { signal: sig });
      process.exit(EXIT.failure);
    }
    log.info('signal received; draining', { signal: sig });
    stop.abort();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  const { runRunner } = await import('./runner.ts');
  return runRunner(config, { log, stop: stop.signal });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    if (e instanceof ConfigError) {
      process.stderr.write(`simpul-runner: ${e.message}\n`);
      process.exit(EXIT.usage);
    }
    if (e instanceof FatalError) {
      process.stderr.write(`simpul-runner: ${e.message}\n`);
      process.exit(e.exitCode);
    }
    // parseArgs throws TypeError with a code for unknown flags
    const code = (e as { code?: string }).code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`simpul-runner: ${errorMessage(e)} (see --help)\n`);
      process.exit(EXIT.usage);
    }
    process.stderr.write(
      `simpul-runner: unexpected failure: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
    );
    process.exit(EXIT.failure);
  },
);
