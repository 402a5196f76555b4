// init, check and status as real processes, without a hub: flags, answers on stdin, good and broken configs, help.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import YAML from 'yaml';
import { Child, ROOT, tempDir } from '../connection/test-procs.ts';
import { SEATTLE_CSV } from '../engine/test-data.ts';
import { statusPathFor, writeStatus, type StatusFile } from '../status/file.ts';
import { policyProblems } from './check.ts';
import { progressBar } from './status.ts';

const dir = tempDir('simpul-commands-test-');

async function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; output: string }> {
  const c = new Child('runner/src/cli.ts', args, env);
  const code = await c.exited;
  return { code, output: c.output };
}

/** Runs the CLI with `answers` written to its stdin (one per line), as a person at the prompt would type them. */
function runWithStdin(args: string[], answers: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'runner/src/cli.ts'), ...args], {
      cwd: ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('exit', (code) => resolve({ code, output }));
    child.stdin.end(answers.map((a) => `${a}\n`).join(''));
  });
}

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

/** A port on this machine that nothing listens on. */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

test('every command has --help with usage and examples', async () => {
  for (const cmd of ['init', 'check', 'status']) {
    const { code, output } = await run([cmd, '--help']);
    assert.is(code, 0, cmd);
    assert.ok(output.startsWith(`simpul-runner ${cmd}:`), cmd);
    assert.ok(output.includes('Usage:') && output.includes('Examples:'), `${cmd} help has usage and examples`);
    assert.is((await run(['help', cmd])).output, output, `help ${cmd} says the same`);
  }
  const main = await run(['--help']);
  for (const cmd of ['init', 'check', 'status']) assert.match(main.output, new RegExp(`simpul-runner ${cmd} `));
});

test('init with flags checks the dataset, writes a 0600 config the runner reads, and refuses to overwrite it', async () => {
  const target = join(dir, 'flags', 'runner.yaml');
  const { code, output } = await run([
    'init',
    '--config',
    target,
    '--hub',
    'http://127.0.0.1:8080',
    '--enrollment-key',
    'sme_flags-key',
    '--dataset',
    `weather=${SEATTLE_CSV}`,
    '--name',
    'lab-box',
    '--offline',
  ]);
  assert.is(code, 0, output);
  assert.match(output, /ok {4}dataset weather: csv, 1461 rows, 6 columns/);
  assert.match(output, new RegExp(`wrote ${target}`));
  assert.is(statSync(target).mode & 0o777, 0o600, 'the enrolment key is not readable by others');
  const doc = YAML.parse(readFileSync(target, 'utf8'));
  assert.equal(doc, {
    hub: 'http://127.0.0.1:8080',
    name: 'lab-box',
    enrollment_key: 'sme_flags-key',
    datasets: [{ name: 'weather', path: SEATTLE_CSV }],
  });

  const checked = await run(['check', '--config', target, '--offline']);
  assert.is(checked.code, 0, checked.output);

  const again = await run([
    'init',
    '--config',
    target,
    '--hub',
    'http://127.0.0.1:8080',
    '--enrollment-key',
    'k',
    '--dataset',
    `w=${SEATTLE_CSV}`,
  ]);
  assert.is(again.code, 2);
  assert.match(again.output, /exists already: pass --force/);
});

test('init writes nothing when a dataset does not open', async () => {
  const target = join(dir, 'broken-init.yaml');
  const junk = file('junk.parquet', 'this is not parquet');
  const { code, output } = await run([
    'init',
    '-c',
    target,
    '--hub',
    'http://127.0.0.1:8080',
    '--enrollment-key',
    'k',
    '-d',
    `weather=${SEATTLE_CSV}`,
    '-d',
    `junk=${junk}`,
    '--offline',
  ]);
  assert.is(code, 2);
  assert.match(output, /FAIL {2}dataset junk: cannot open/);
  assert.match(output, /nothing written/);
  assert.not.ok(existsSync(target));
});

test('init asks on stdin for what the flags leave out, and asks again after a bad answer', async () => {
  const target = join(dir, 'asked', 'runner.yaml');
  const { code, output } = await runWithStdin(
    ['init', '--config', target, '--offline'],
    [
      'ftp://nope', // not an http(s) URL: asked again
      'http://127.0.0.1:8080',
      'sme_typed-key',
      'just-a-name', // not NAME=PATH: asked again
      `weather=${SEATTLE_CSV}`,
      'missing=/no/such/file.csv', // no such file: asked again
      '',
    ],
  );
  assert.is(code, 0, output);
  assert.match(output, /Hub URL \[http:\/\/127\.0\.0\.1:8080\]:/);
  assert.match(output, /hub ftp:\/\/nope: must be an http:\/\/ or https:\/\/ URL/);
  assert.match(output, /"just-a-name": write a dataset as NAME=PATH/);
  assert.match(output, /missing: no file or folder at \/no\/such\/file\.csv/);
  const doc = YAML.parse(readFileSync(target, 'utf8'));
  assert.is(doc.hub, 'http://127.0.0.1:8080');
  assert.is(doc.enrollment_key, 'sme_typed-key');
  assert.equal(doc.datasets, [{ name: 'weather', path: SEATTLE_CSV }]);
});

test('init with stdin closed and nothing given says which flag is missing', async () => {
  const { code, output } = await runWithStdin(['init', '--config', join(dir, 'never.yaml')], []);
  assert.is(code, 2);
  assert.match(output, /no hub URL given: pass --hub URL/);
});

test('check on a good config shows each schema and the policy, and exits 0', async () => {
  const path = file(
    'good.yaml',
    `hub: http://127.0.0.1:8080\nname: good\ndatasets:\n  - { name: weather, path: ${SEATTLE_CSV}, policy: { allow_ops: [200, 300], max_rows: 50, min_group_size: 5 } }\n`,
  );
  const { code, output } = await run(['check', '--config', path, '--offline']);
  assert.is(code, 0, output);
  assert.match(output, /^ok {4}config .*good\.yaml: hub http:\/\/127\.0\.0\.1:8080, name good/m);
  assert.match(output, /ok {4}dataset weather: csv, 1461 rows, 6 columns/);
  assert.match(output, /date: DATE \(date\)/);
  assert.match(output, /ok {4}policy weather: allows 200 \w+, 300 \w+; max_rows 50; min_group_size 5/);
  assert.match(output, /all checks passed/);
});

test('check says exactly what is wrong: config, dataset, policy, hub, identity', async () => {
  const unknownKey = await run([
    'check',
    '--config',
    file('typo.yaml', `hub: http://127.0.0.1:8080\nconcurency: 2\n`),
    '--offline',
  ]);
  assert.is(unknownKey.code, 2);
  assert.match(unknownKey.output, /FAIL {2}config .*typo\.yaml: not usable/);
  assert.match(unknownKey.output, /concurency/);

  const missing = await run([
    'check',
    '--config',
    file('gone.yaml', `datasets:\n  - { name: gone, path: /no/such/data.csv }\n`),
    '--offline',
  ]);
  assert.is(missing.code, 2);
  assert.match(missing.output, /datasets\[0\]\.path: .*\/no\/such\/data\.csv/);

  const junk = file('junk2.parquet', 'not parquet either');
  const broken = await run([
    'check',
    '--config',
    file(
      'broken.yaml',
      `datasets:\n  - { name: junk, path: ${junk} }\n  - { name: weather, path: ${SEATTLE_CSV}, policy: { allow_ops: [] } }\n`,
    ),
    '--offline',
  ]);
  assert.is(broken.code, 2);
  assert.match(broken.output, /FAIL {2}dataset junk: cannot open: /);
  assert.match(broken.output, /FAIL {2}policy weather: allow_ops is empty: every task on this dataset will be refused/);
  assert.match(broken.output, /2 problems, 0 warnings: fix the lines marked FAIL/);

  const port = await closedPort();
  const offline = await run([
    'check',
    '--config',
    file('nohub.yaml', `hub: http://127.0.0.1:${port}\ndatasets:\n  - { name: weather, path: ${SEATTLE_CSV} }\n`),
  ]);
  assert.is(offline.code, 2);
  assert.match(offline.output, new RegExp(`FAIL {2}hub http://127\\.0\\.0\\.1:${port}: cannot reach it: ECONNREFUSED`));
  assert.match(offline.output, /FAIL {2}identity: not registered with .* and no enrolment key/);
  assert.match(offline.output, /warn {2}policy weather: no policy/);
});

test('policy checks: what a data owner probably did not mean', () => {
  assert.equal(policyProblems({ allow_ops: [300], min_group_size: 10 }), { fail: [], warn: [] });
  assert.match(
    policyProblems({ allow_ops: [100, 300], max_rows: 0 }).warn[0],
    /max_rows is 0 but 100 \(raw rows\) are allowed/,
  );
  assert.match(policyProblems({ allow_ops: [300, 300], min_group_size: 5 }).warn[0], /twice/);
  assert.match(policyProblems({ allow_ops: [300], min_group_size: 1 }).warn[0], /suppresses nothing/);
  assert.match(policyProblems({ allow_ops: [] }).fail[0], /allow_ops is empty/);
  assert.match(policyProblems({ max_rows: 10 }).warn.join(' '), /^$/);
});

test('status reads the status file next to the state file; a dead runner and a missing file are "not running"', async () => {
  const config = file('status.yaml', `hub: http://127.0.0.1:8080\nstate: ./st/runner.state.json\n`);
  const path = statusPathFor(join(dir, 'st', 'runner.state.json'));
  assert.is(path, join(dir, 'st', 'runner.status.json'));
  const none = await run(['status', '--config', config]);
  assert.is(none.code, 1);
  assert.match(none.output, /not running: no status file at .*runner\.status\.json/);

  const { mkdirSync } = await import('node:fs');
  mkdirSync(join(dir, 'st'), { recursive: true });
  const now = new Date().toISOString();
  const status: StatusFile = {
    pid: 2 ** 22 + 12345, // beyond pid_max on Linux: no such process
    name: 'ghost',
    version: '0.1.0',
    hub: 'http://127.0.0.1:8080',
    runner_id: 'run_ghost',
    state: 'running',
    started_at: now,
    updated_at: now,
    connection: { transport: 'websocket', since: now },
    concurrency: 2,
    tasks: [],
    last_errors: [{ time: now, level: 'warn', msg: 'socket disconnected', detail: 'transport close' }],
  };
  writeStatus(path, status);
  const dead = await run(['status', '--config', config]);
  assert.is(dead.code, 1);
  assert.match(
    dead.output,
    /runner ghost \(run_ghost\) → http:\/\/127\.0\.0\.1:8080: not running \(process \d+ is gone/,
  );
  assert.match(dead.output, /warn {2}socket disconnected: transport close/);

  const json = await run(['status', '--status', path, '--json']);
  assert.equal(JSON.parse(json.output), status);
});

test('progress bars', () => {
  assert.is(progressBar(0), '[....................]   0%');
  assert.is(progressBar(42.4), '[########............]  42%');
  assert.is(progressBar(100), '[####################] 100%');
  assert.is(progressBar(null), '[                    ]   -');
});

test.run();
