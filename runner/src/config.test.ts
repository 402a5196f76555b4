// Config files (YAML and JSON), environment and flags, and the readable errors a data owner sees.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkHubUrl, loadConfig } from './config.ts';
import { SEATTLE_CSV, tempDir } from './engine/test-data.ts';
import { ConfigError } from './errors.ts';

const dir = tempDir('simpul-config-test-');
test.after(() => dir.remove());

function write(name: string, text: string): string {
  const p = join(dir.path, name);
  writeFileSync(p, text);
  return p;
}

function configError(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof ConfigError) return e.message;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

test('YAML: defaults, relative paths resolved against the config folder, format from the extension', () => {
  mkdirSync(join(dir.path, 'data'), { recursive: true });
  writeFileSync(join(dir.path, 'data', 'a.csv'), 'x\n1\n');
  writeFileSync(join(dir.path, 'data', 'b.ndjson'), '{"x":1}\n');
  const path = write(
    'runner.yaml',
    `hub: http://127.0.0.1:8080/\nname: lab\nenrollment_key: sme_k\nlabels: [eu, lab]\nduckdb: { memory_limit: 1GB, threads: 2 }\ndatasets:\n  - { name: a, path: data/a.csv }\n  - { name: b, path: ./data/b.ndjson, policy: { allow_ops: [100] } }\n`,
  );
  const c = loadConfig({ configPath: path, env: {} });
  assert.is(c.hub, 'http://127.0.0.1:8080');
  assert.is(c.name, 'lab');
  assert.is(c.concurrency, 2);
  assert.is(c.transport, 'websocket');
  assert.is(c.grace_s, 10);
  assert.equal(c.labels, ['eu', 'lab']);
  assert.equal(c.duckdb, { memory_limit: '1GB', threads: 2 });
  assert.equal(
    c.datasets.map((d) => [d.name, 'path' in d ? d.path : null, d.format]),
    [
      ['a', join(dir.path, 'data', 'a.csv'), 'csv'],
      ['b', join(dir.path, 'data', 'b.ndjson'), 'ndjson'],
    ],
  );
  assert.equal(c.datasets[1].policy, { allow_ops: [100] });
  assert.is(c.state, `${path}.state.json`);
});

test('JSON config, then environment, then flags: each overrides the one before', () => {
  const path = write(
    'runner.json',
    JSON.stringify({
      hub: 'http://localhost:1',
      name: 'file',
      concurrency: 3,
      datasets: [{ name: 'w', path: SEATTLE_CSV }],
    }),
  );
  const env = { SIMPUL_RUNNER_NAME: 'env', SIMPUL_RUNNER_CONCURRENCY: '5', SIMPUL_RUNNER_ENROLLMENT_KEY: 'sme_env' };
  const fromEnv = loadConfig({ configPath: path, env });
  assert.equal(
    [fromEnv.name, fromEnv.concurrency, fromEnv.enrollment_key, fromEnv.hub],
    ['env', 5, 'sme_env', 'http://localhost:1'],
  );
  const fromFlags = loadConfig({
    configPath: path,
    env,
    overrides: { name: 'flag', concurrency: 7, transport: 'polling', state: 'custom.json', hub: 'http://[::1]:9' },
  });
  assert.equal(
    [fromFlags.name, fromFlags.concurrency, fromFlags.transport, fromFlags.hub],
    ['flag', 7, 'polling', 'http://[::1]:9'],
  );
  assert.is(fromFlags.state, join(process.cwd(), 'custom.json'), 'a --state path is relative to the working directory');
});

test('readable errors: missing file names the entry and the path', () => {
  const path = write(
    'bad.yaml',
    `datasets:\n  - { name: ok, path: ${SEATTLE_CSV} }\n  - { name: gone, path: /x/y.csv }\n`,
  );
  const msg = configError(() => loadConfig({ configPath: path, env: {} }));
  assert.ok(msg.includes('datasets[1].path: file not found: /x/y.csv'), msg);
});

test('readable errors: bad values and unknown settings say where', () => {
  const path = write(
    'bad2.yaml',
    `concurrency: zero\ntransport: carrier-pigeon\nhubb: x\ndatasets:\n  - { name: "bad name!", path: a.csv }\n`,
  );
  const msg = configError(() => loadConfig({ configPath: path, env: {} }));
  assert.match(msg, /concurrency: /);
  assert.match(msg, /transport: /);
  assert.match(msg, /hubb/);
  assert.match(msg, /datasets\[0\]\.name: dataset names are letters/);
});

test('readable errors: duplicate names, unknown formats, broken YAML, unreadable file', () => {
  const dup = write(
    'dup.yaml',
    `datasets:\n  - { name: a, path: ${SEATTLE_CSV} }\n  - { name: a, path: ${SEATTLE_CSV} }\n`,
  );
  assert.match(
    configError(() => loadConfig({ configPath: dup, env: {} })),
    /datasets\[1\]\.name: "a" is used twice/,
  );
  write('data.xyz', 'x');
  const fmt = write('fmt.yaml', `datasets:\n  - { name: a, path: data.xyz }\n`);
  assert.match(
    configError(() => loadConfig({ configPath: fmt, env: {} })),
    /datasets\[0\]\.format: cannot tell the format/,
  );
  const yaml = write('broken.yaml', `datasets: [ { name: a\n`);
  assert.match(
    configError(() => loadConfig({ configPath: yaml, env: {} })),
    /not valid YAML/,
  );
  assert.match(
    configError(() => loadConfig({ configPath: join(dir.path, 'nope.yaml'), env: {} })),
    /cannot read config file .*ENOENT/,
  );
});

test('plain http to a remote hub is refused unless insecure', () => {
  assert.match(
    configError(() => checkHubUrl('http://hub.example.org', false)),
    /refusing to talk to http:\/\/hub\.example\.org over plain http.*--insecure/,
  );
  checkHubUrl('http://hub.example.org', true);
  checkHubUrl('https://hub.example.org', false);
  checkHubUrl('http://localhost:8080', false);
  checkHubUrl('http://127.0.0.1:8080', false);
  checkHubUrl('http://[::1]:8080', false);
  const path = write('remote.yaml', 'hub: http://10.1.2.3:8080\n');
  assert.match(
    configError(() => loadConfig({ configPath: path, env: {} })),
    /plain http/,
  );
  assert.is(loadConfig({ configPath: path, env: {}, overrides: { insecure: true } }).hub, 'http://10.1.2.3:8080');
});

test('the enrolment key may come from a file', () => {
  write('key.txt', 'sme_from_file\n');
  const path = write('keyfile.yaml', 'enrollment_key_file: key.txt\n');
  assert.is(loadConfig({ configPath: path, env: {} }).enrollment_key, 'sme_from_file');
});

test.run();
