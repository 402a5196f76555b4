// Runs every *.test.ts file in its own process (uvu + tsx) and ends with one line: `tests: N passed, N failed`.
// Usage: npm test [-- <substring filter>...]; env TEST_CONCURRENCY (default 1), TEST_FILE_TIMEOUT_S (default 600).
// The Python client's pytest suite runs last, with the Python in SIMPUL_PYTHON (see scripts/lib/pytest-suite.ts).
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { PYTEST_SUITE, runPytestSuite } from './lib/pytest-suite.ts';

const root = join(import.meta.dirname, '..');
const roots = ['protocol/src', 'hub/src', 'runner/src', 'web/src', 'scripts'];
const skip = new Set(['node_modules', 'build', 'dist', '.svelte-kit']);

function findTests(dir: string, out: string[] = []): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of names) {
    if (skip.has(name)) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) findTests(p, out);
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const filters = process.argv.slice(2);
const files = roots
  .flatMap((r) => findTests(join(root, r)))
  .map((f) => relative(root, f))
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .sort();

const concurrency = Math.max(1, Number(process.env.TEST_CONCURRENCY ?? 1));
const timeoutMs = Number(process.env.TEST_FILE_TIMEOUT_S ?? 600) * 1000;
// biome-ignore lint/suspicious/noControlCharactersInRegex: the pattern matches the ANSI colour codes (ESC [ … m) to strip them
const strip = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '');

interface Outcome {
  file: string;
  passed: number;
  failed: number;
  skipped: number;
  ms: number;
  note?: string;
}

function runFile(file: string): Promise<Outcome> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file], {
      cwd: root,
      env: { ...process.env, FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
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
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      // Kill anything the test file left behind in its process group.
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* nothing left */
      }
      const text = strip(out);
      const num = (label: string) => {
        const all = [...text.matchAll(new RegExp(`^\\s*${label}:\\s+(\\d+)`, 'gm'))];
        return all.length ? Number(all[all.length - 1][1]) : undefined;
      };
      const total = num('Total');
      const passed = num('Passed') ?? 0;
      const skipped = num('Skipped') ?? 0;
      const ms = Date.now() - started;
      if (total === undefined) {
        resolve({
          file,
          passed: 0,
          failed: 1,
          skipped: 0,
          ms,
          note: timedOut ? 'timed out' : `exited ${code} without a summary`,
        });
      } else {
        let failed = Math.max(0, total - passed); // uvu's Total leaves skipped tests out
        let note: string | undefined;
        if (failed === 0 && code !== 0) {
          failed = 1;
          note = `exited ${code}`;
        }
        if (timedOut) {
          failed = Math.max(failed, 1);
          note = 'timed out';
        }
        resolve({ file, passed, failed, skipped, ms, note });
      }
    });
  });
}

const results: Outcome[] = [];
let next = 0;
async function worker() {
  while (next < files.length) {
    const file = files[next++];
    console.log(`\n▶ ${file}`);
    results.push(await runFile(file));
  }
}
await Promise.all(Array.from({ length: Math.min(concurrency, files.length) }, worker));

// The Python client's suite starts its own hub and runners: alone, after the others, and in its count.
const withPytest =
  filters.length === 0 || filters.some((s) => PYTEST_SUITE.includes(s) || s.startsWith(PYTEST_SUITE) || s === 'pytest');
if (withPytest) {
  console.log(`\n▶ ${PYTEST_SUITE} (pytest)`);
  const r = await runPytestSuite(root, Math.max(timeoutMs, 900_000));
  if (r) results.push(r);
}

console.log('\nper file:');
for (const r of results.sort((a, b) => a.file.localeCompare(b.file))) {
  const mark = r.failed ? 'FAIL' : 'ok  ';
  console.log(
    `  ${mark} ${r.file}  ${r.passed} passed, ${r.failed} failed${r.skipped ? `, ${r.skipped} skipped` : ''}  ${(r.ms / 1000).toFixed(1)}s${r.note ? `  (${r.note})` : ''}`,
  );
}
const passed = results.reduce((n, r) => n + r.passed, 0);
const failed = results.reduce((n, r) => n + r.failed, 0);
if (results.length === 0) console.log('no test files found');
console.log(`tests: ${passed} passed, ${failed} failed`);
process.exit(failed > 0 || results.length === 0 ? 1 : 0);
