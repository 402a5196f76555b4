// The state file: written atomically with mode 0600, read back, damaged files reported rather than silently replaced.
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { tempDir } from './engine/test-data.ts';
import { ConfigError } from './errors.ts';
import { readState, writeState } from './state.ts';

const dir = tempDir('simpul-state-test-');
test.after(() => dir.remove());

test('no file: null (the runner registers)', () => {
  assert.is(readState(join(dir.path, 'none.json')), null);
});

test('written with mode 0600 and read back', () => {
  const path = join(dir.path, 'sub', 'runner.yaml.state.json');
  const s = {
    hub: 'http://127.0.0.1:8080',
    runner_id: 'r_1',
    token: 'smr_secret',
    registered_at: '2026-01-01T00:00:00.000Z',
  };
  const old = process.umask(0o000); // even with a permissive umask the file is private
  try {
    writeState(path, s);
  } finally {
    process.umask(old);
  }
  assert.is(statSync(path).mode & 0o777, 0o600);
  assert.equal(readState(path), s);
});

test('rewriting replaces atomically and leaves no temp files', () => {
  const path = join(dir.path, 'again.json');
  writeState(path, { hub: 'h', runner_id: 'r_1', token: 't1' });
  writeState(path, { hub: 'h', runner_id: 'r_2', token: 't2' });
  assert.is(readState(path)?.runner_id, 'r_2');
  assert.equal(
    readdirSync(dir.path).filter((f) => f.startsWith('again')),
    ['again.json'],
  );
  assert.is(statSync(path).mode & 0o777, 0o600);
});

test('a damaged file is an error that says what to do', () => {
  const path = join(dir.path, 'bad.json');
  writeFileSync(path, '{"hub": "h", "runner_id": "has spaces!", "token": ""}');
  try {
    readState(path);
    assert.unreachable('should throw');
  } catch (e) {
    assert.instance(e, ConfigError);
    assert.match((e as Error).message, /is damaged; delete it to register this runner again/);
    assert.match((e as Error).message, /runner_id/);
  }
  writeFileSync(path, 'not json');
  assert.throws(() => readState(path), /not valid JSON/);
});

test.run();
