// The Python client's pytest suite (clients/python/tests) as one entry of `npm test`: run it with the Python that
// SIMPUL_PYTHON names (.ci/run makes a virtualenv and sets it) and read its counts from pytest's summary line.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const PYTEST_SUITE = 'clients/python/tests';

export interface SuiteOutcome {
  file: string;
  passed: number;
  failed: number;
  skipped: number;
  ms: number;
  note?: string;
}

/** Counts in pytest's closing line, e.g. `42 passed, 1 failed, 2 skipped, 1 error in 61.2s`. */
export function pytestCounts(text: string): { passed: number; failed: number; skipped: number } | undefined {
  const lines = text
    .split('\n')
    .filter(
      (l) => /\d+ (passed|failed|error|errors|skipped|xfailed|xpassed|deselected)\b/.test(l) && / in [\d.]+s/.test(l),
    );
  const last = lines.at(-1);
  if (!last) return undefined;
  const n = (word: string) => Number(last.match(new RegExp(`(\\d+) ${word}\\b`))?.[1] ?? 0);
  return {
    passed: n('passed') + n('xpassed'),
    failed: n('failed') + n('errors?'),
    skipped: n('skipped') + n('xfailed'),
  };
}

/**
 * Runs the suite. Without SIMPUL_PYTHON it is left out (one line says so), except in CI, where that counts as a failure;
 * a SIMPUL_PYTHON that does not exist, a run without pytest's summary and a run that collects no test count as one too.
 */
export function runPytestSuite(root: string, timeoutMs: number): Promise<SuiteOutcome | undefined> {
  const started = Date.now();
  const python = process.env.SIMPUL_PYTHON;
  const fail = (note: string): SuiteOutcome => ({
    file: PYTEST_SUITE,
    passed: 0,
    failed: 1,
    skipped: 0,
    ms: Date.now() - started,
    note,
  });
  if (!python) {
    if (process.env.CI === 'true')
      return Promise.resolve(fail('SIMPUL_PYTHON is not set (.ci/run sets it to a virtualenv with the client)'));
    console.log(`\n(${PYTEST_SUITE} left out: set SIMPUL_PYTHON to a Python with the client installed to run it)`);
    return Promise.resolve(undefined);
  }
  if (!existsSync(python)) return Promise.resolve(fail(`SIMPUL_PYTHON=${python} does not exist`));
  return new Promise((resolve) => {
    const child = spawn(
      python,
      ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', '-o', 'console_output_style=classic', join(root, PYTEST_SUITE)],
      {
        cwd: join(root, 'clients', 'python'),
        env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      },
    );
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      process.stdout.write(d);
    });
    child.stderr.on('data', (d) => {
      out += d;
      process.stderr.write(d);
    });
    let timedOut = false;
    // SIGTERM first: the suite's fixtures stop the hub and runners they started; SIGKILL if it does not end.
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(child.pid!, 'SIGTERM');
      } catch {
        /* gone */
      }
      setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          /* gone */
        }
      }, 20_000).unref();
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve(fail(`could not start ${python}: ${e.message}`));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const ms = Date.now() - started;
      const c = pytestCounts(out);
      if (!c) return resolve(fail(timedOut ? 'timed out' : `exited ${code} without a summary`));
      let { failed } = c;
      let note: string | undefined;
      if (c.passed + failed === 0) {
        failed = 1;
        note = 'no test ran';
      } else if (failed === 0 && code !== 0) {
        failed = 1;
        note = `exited ${code}`;
      }
      if (timedOut) {
        failed = Math.max(failed, 1);
        note = 'timed out';
      }
      resolve({ file: PYTEST_SUITE, passed: c.passed, failed, skipped: c.skipped, ms, note });
    });
  });
}
