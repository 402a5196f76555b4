// Several hubs of one cluster in the runner's config: `hubs`, SIMPUL_RUNNER_HUBS, and how `hub` joins them.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadConfig } from './config.ts';
import { tempDir } from './engine/test-data.ts';
import { ConfigError } from './errors.ts';

const dir = tempDir('simpul-config-hubs-');
test.after(() => dir.remove());

function config(name: string, yaml: string, env: NodeJS.ProcessEnv = {}) {
  const p = join(dir.path, name);
  writeFileSync(p, yaml);
  return loadConfig({ configPath: p, env });
}

test('one hub: hubs is that hub alone', () => {
  const c = config('one.yaml', 'hub: http://127.0.0.1:9000/\n');
  assert.equal(c.hubs, ['http://127.0.0.1:9000']);
  assert.is(c.hub, 'http://127.0.0.1:9000');
});

test('hubs alone: the first is the hub; the default hub does not sneak in', () => {
  const c = config('many.yaml', 'hubs: [http://127.0.0.1:9001/, http://127.0.0.1:9002]\n');
  assert.equal(c.hubs, ['http://127.0.0.1:9001', 'http://127.0.0.1:9002']);
  assert.is(c.hub, 'http://127.0.0.1:9001');
});

test('hub and hubs: hub goes first, duplicates once', () => {
  const c = config('both.yaml', 'hub: http://127.0.0.1:9002\nhubs: [http://127.0.0.1:9001, http://127.0.0.1:9002]\n');
  assert.equal(c.hubs, ['http://127.0.0.1:9002', 'http://127.0.0.1:9001']);
});

test('SIMPUL_RUNNER_HUBS, comma-separated', () => {
  const c = config('env.yaml', 'name: x\n', { SIMPUL_RUNNER_HUBS: 'http://127.0.0.1:9003, http://127.0.0.1:9004' });
  assert.equal(c.hubs, ['http://127.0.0.1:9003', 'http://127.0.0.1:9004']);
});

test('every hub must be https or loopback unless insecure', () => {
  try {
    config('far.yaml', 'hubs: [http://127.0.0.1:9001, http://hub.example.org]\n');
    assert.unreachable();
  } catch (e) {
    assert.instance(e, ConfigError);
    assert.match((e as Error).message, /hub\.example\.org/);
  }
  const ok = config('far-ok.yaml', 'insecure: true\nhubs: [http://hub.example.org]\n');
  assert.equal(ok.hubs, ['http://hub.example.org']);
});

test.run();
