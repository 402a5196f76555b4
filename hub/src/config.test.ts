import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigError, loadConfig, parseDuration } from './config.ts';
import { tempDir } from './testing/support.ts';

test('defaults', () => {
  const c = loadConfig({});
  assert.is(c.port, 8080);
  assert.is(c.host, '127.0.0.1');
  assert.is(c.dataDir, path.resolve('.simpul'));
  assert.equal(c.database, { kind: 'sqlite', file: path.resolve('.simpul', 'simpul.db') });
  assert.is(c.heartbeatS, 5);
  assert.is(c.idleHeartbeatS, 900);
  assert.is(c.socketPingS, 40);
  assert.is(c.leaseTtlS, 15);
  assert.is(c.taskTimeoutS, 3600);
  assert.is(c.maxAttempts, 3);
  assert.is(c.inlineResultMax, 262_144);
  assert.is(c.resultTtlMs, 7 * 86_400_000);
  assert.is(c.logLevel, 'info');
  assert.ok(c.webDir.endsWith(path.join('web', 'build')));
  assert.is(c.adminPassword, undefined);
});

test('PostgreSQL URL with a schema, from the URL or its own variable', () => {
  const a = loadConfig({ SIMPUL_DATABASE_URL: 'postgres://u@h:5432/db?schema=s1' });
  assert.equal(a.database, { kind: 'postgres', url: 'postgres://u@h:5432/db', schema: 's1' });
  const b = loadConfig({ SIMPUL_DATABASE_URL: 'postgresql://u@h/db', SIMPUL_DATABASE_SCHEMA: 's2' });
  assert.equal(b.database, { kind: 'postgres', url: 'postgresql://u@h/db', schema: 's2' });
  assert.throws(
    () => loadConfig({ SIMPUL_DATABASE_URL: 'postgres://u@h/db?schema=bad;drop' }),
    /letters, digits and _ only/,
  );
});

test('secrets from *_FILE; durations; readable errors', () => {
  const dir = tempDir();
  writeFileSync(path.join(dir, 'pw'), 'from-file\n');
  assert.is(loadConfig({ SIMPUL_ADMIN_PASSWORD_FILE: path.join(dir, 'pw') }).adminPassword, 'from-file');
  assert.is(loadConfig({ SIMPUL_RESULT_TTL: '12h' }).resultTtlMs, 12 * 3_600_000);
  assert.is(parseDuration('500ms'), 500);
  assert.is(parseDuration('2d'), 172_800_000);
  assert.is(parseDuration('soon'), undefined);
  try {
    loadConfig({ SIMPUL_PORT: 'eighty', SIMPUL_RESULT_TTL: 'forever' });
    assert.unreachable();
  } catch (err) {
    assert.instance(err, ConfigError);
    assert.match((err as Error).message, 'SIMPUL_PORT');
    assert.match((err as Error).message, 'SIMPUL_RESULT_TTL');
  }
  assert.throws(() => loadConfig({ SIMPUL_ENROLLMENT_KEY_FILE: path.join(dir, 'missing') }), /cannot read/);
});

test.run();
