// Flags shared by the commands that read a runner config (check, status), and a tiny report printer.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { ConfigOverrides } from '../config.ts';
import { ConfigError } from '../errors.ts';

export const CONFIG_FLAGS = {
  config: { type: 'string', short: 'c' },
  hub: { type: 'string' },
  'enrollment-key': { type: 'string' },
  name: { type: 'string' },
  insecure: { type: 'boolean' },
  'ca-file': { type: 'string' },
  state: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

/** parseArgs with the command's own options; positionals are refused with a pointer to --help. */
export function parseFlags<O extends NonNullable<ParseArgsConfig['options']>>(
  command: string,
  argv: string[],
  options: O,
) {
  const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  if (positionals.length)
    throw new ConfigError(
      `${command}: unexpected arguments: ${positionals.join(' ')} (see simpul-runner ${command} --help)`,
    );
  return values;
}

export function overridesOf(values: {
  hub?: string;
  'enrollment-key'?: string;
  name?: string;
  insecure?: boolean;
  'ca-file'?: string;
  state?: string;
}): ConfigOverrides {
  return {
    hub: values.hub,
    enrollment_key: values['enrollment-key'],
    name: values.name,
    insecure: values.insecure,
    ca_file: values['ca-file'],
    state: values.state,
  };
}

export type Mark = 'ok' | 'warn' | 'FAIL';

/** Lines like `ok    dataset weather: csv, 1461 rows`; counts warnings and failures for the summary and exit code. */
export class Report {
  failures = 0;
  warnings = 0;
  constructor(private readonly out: (text: string) => void = (t) => process.stdout.write(t)) {}

  line(mark: Mark, text: string, details: string[] = []): void {
    if (mark === 'FAIL') this.failures++;
    if (mark === 'warn') this.warnings++;
    this.out(`${mark.padEnd(5)} ${text}\n`);
    for (const d of details) this.out(`        ${d}\n`);
  }

  summary(): string {
    const n = (k: number, what: string) => `${k} ${what}${k === 1 ? '' : 's'}`;
    if (!this.failures && !this.warnings) return 'all checks passed';
    if (!this.failures) return `${n(this.warnings, 'warning')}, no problems`;
    return `${n(this.failures, 'problem')}, ${n(this.warnings, 'warning')}: fix the lines marked FAIL`;
  }
}
