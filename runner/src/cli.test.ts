// The command line without a hub: help, exit codes, and messages that say what to do.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Child, tempDir } from './connection/test-procs.ts';
import { SEATTLE_CSV } from './engine/test-data.ts';

const dir = tempDir('simpul-cli-test-');

async function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; output: string }> {
  const c = new Child('runner/src/cli.ts', args, env);
  const code = await c.exited;
  return { code, output: c.output };
}

function config(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

test('--help shows usage, flags, examples and exit codes', async () => {
  const { code, output } = await run(['--help']);
  assert.is(code, 0);
  for (const part of ['--config FILE', '--transport MODE', '--insecure', 'Examples:', 'Exit codes:'])
    assert.ok(output.includes(part), part);
});

test('check --offline prints each dataset schema without contacting the hub', async () => {
  const path = config(
    'check.yaml',
    `hub: http://127.0.0.1:9\ndatasets:\n  - { name: weather, path: ${SEATTLE_CSV} }\n`,
  );
  const { code, output } = await run(['check', '--config', path, '--offline']);
  assert.is(code, 0);
  assert.match(output, /dataset weather: csv, 1461 rows/);
  assert.match(output, /date: DATE \(date\)/);
});

test('a config problem exits 2 and names the entry', async () => {
  const path = config(
    'bad.yaml',
    `datasets:\n  - { name: weather, path: ${SEATTLE_CSV} }\n  - { name: gone, path: /x/y.csv }\n`,
  );
  const { code, output } = await run(['--config', path]);
  assert.is(code, 2);
  assert.match(output, /datasets\[1\]\.path: file not found: \/x\/y\.csv/);
});

test('bad flags exit 2', async () => {
  assert.is((await run(['--transport', 'pigeon'])).code, 2);
  assert.is((await run(['--concurrency', '0'])).code, 2);
  const unknown = await run(['--frobnicate']);
  assert.is(unknown.code, 2);
  assert.match(unknown.output, /see --help/);
});

test('plain http to a remote hub is refused without --insecure', async () => {
  const path = config('remote.yaml', 'hub: http://192.0.2.1:8080\n');
  const { code, output } = await run(['--config', path, '--state', join(dir, 'remote.state.json')]);
  assert.is(code, 2);
  assert.match(output, /refusing to talk to http:\/\/192\.0\.2\.1:8080 over plain http.*--insecure/);
});

test('no identity and no enrolment key: exit 3 with the way out', async () => {
  const path = config('nokey.yaml', `hub: http://127.0.0.1:9\n`);
  const { code, output } = await run(['--config', path]);
  assert.is(code, 3);
  assert.match(output, /not registered with http:\/\/127\.0\.0\.1:9 yet .* Pass --enrollment-key KEY/);
});

test.run();
