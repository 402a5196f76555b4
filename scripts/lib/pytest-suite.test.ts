import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pytestCounts, runPytestSuite } from './pytest-suite.ts';

test('reads the counts of pytest closing lines', () => {
  assert.equal(pytestCounts('....\n42 passed in 61.20s\n'), { passed: 42, failed: 0, skipped: 0 });
  assert.equal(pytestCounts('x\n===== 3 failed, 40 passed, 2 skipped, 1 error in 70.1s =====\n'), {
    passed: 40,
    failed: 4,
    skipped: 2,
  });
  assert.equal(pytestCounts('1 passed, 2 errors in 1.00s'), { passed: 1, failed: 2, skipped: 0 });
  assert.equal(pytestCounts('no tests ran in 0.01s'), undefined);
  assert.equal(pytestCounts('ImportError: no module named pytest'), undefined);
});

function fakePython(script: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'simpul-fake-python-'));
  const p = join(dir, 'python');
  writeFileSync(p, `#!/bin/sh\n${script}\n`);
  chmodSync(p, 0o755);
  return p;
}

async function withEnv<T>(env: Record<string, string | undefined>, f: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  for (const [k, v] of Object.entries(env))
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  try {
    return await f();
  } finally {
    for (const [k, v] of Object.entries(saved))
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
  }
}

const root = join(import.meta.dirname, '..', '..');

test('a suite that passes adds its counts; failures, no tests and a missing Python count as failures', async () => {
  const ok = await withEnv({ SIMPUL_PYTHON: fakePython('echo "5 passed, 1 skipped in 0.1s"'), CI: 'true' }, () =>
    runPytestSuite(root, 10_000),
  );
  assert.equal([ok?.passed, ok?.failed, ok?.skipped], [5, 0, 1]);
  const bad = await withEnv({ SIMPUL_PYTHON: fakePython('echo "4 passed, 1 failed in 0.1s"; exit 1') }, () =>
    runPytestSuite(root, 10_000),
  );
  assert.equal([bad?.passed, bad?.failed], [4, 1]);
  const none = await withEnv({ SIMPUL_PYTHON: fakePython('echo "no tests ran in 0.01s"; exit 5') }, () =>
    runPytestSuite(root, 10_000),
  );
  assert.equal(none?.failed, 1);
  const gone = await withEnv({ SIMPUL_PYTHON: '/nonexistent/python' }, () => runPytestSuite(root, 10_000));
  assert.equal(gone?.failed, 1);
  const unset = await withEnv({ SIMPUL_PYTHON: undefined, CI: 'true' }, () => runPytestSuite(root, 10_000));
  assert.equal(unset?.failed, 1);
  const local = await withEnv({ SIMPUL_PYTHON: undefined, CI: undefined }, () => runPytestSuite(root, 10_000));
  assert.equal(local, undefined);
});

test.run();
