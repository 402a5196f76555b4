// ARCHITECTURE.md maps the tree: every tracked top-level and second-level folder has a row in one of its folder tables
// (purpose, what it may import), so a folder cannot be added without the map saying what it is for.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const root = join(import.meta.dirname, '..');
const NOT_SOURCE = new Set(['node_modules', 'build', 'dist', '.svelte-kit']); // never tracked, skipped if they ever are

/** The folders (as `a/` and `a/b/`) that hold tracked files, two levels deep. */
function foldersOf(files: string[]): string[] {
  const out = new Set<string>();
  for (const file of files) {
    const parts = file.split('/');
    if (parts.some((p) => NOT_SOURCE.has(p))) continue;
    if (parts.length >= 2) out.add(`${parts[0]}/`);
    if (parts.length >= 3) out.add(`${parts[0]}/${parts[1]}/`);
  }
  return [...out].sort();
}

/** Folders named in backticks in the first cell of a table row: `| \`hub/src/\` | … |` (a cell may name several). */
function mappedFolders(markdown: string): Set<string> {
  const out = new Set<string>();
  for (const line of markdown.split('\n')) {
    if (!line.startsWith('|')) continue;
    const first = line.split('|')[1] ?? '';
    for (const m of first.matchAll(/`([^`]+)`/g)) {
      const name = m[1].trim().replace(/^\.\//, '');
      if (name.endsWith('/')) out.add(name);
    }
  }
  return out;
}

function trackedFiles(): string[] {
  try {
    return execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' }).split('\0').filter(Boolean);
  } catch (e) {
    throw new Error(
      `this test reads the tree with \`git ls-files\` and needs a git checkout with git installed: ${(e as Error).message}`,
    );
  }
}

test('only a table row names a folder: prose and longer paths do not count', () => {
  const md = [
    '| folder | purpose |',
    '| --- | --- |',
    '| `hub/` | the hub |',
    '| `scripts/bench/`, `scripts/lib/` | benchmarks and helpers |',
    '| see `web/` | a cell that names a folder after other words |',
    '| plain | text mentioning `runner/` in a later cell |',
    'The runner lives in `runner/src/`.',
  ].join('\n');
  assert.equal([...mappedFolders(md)].sort(), ['hub/', 'scripts/bench/', 'scripts/lib/', 'web/']);
});

test('folders are the first two levels of the tracked paths', () => {
  const files = ['README.md', 'hub/package.json', 'hub/src/queue/claim.ts', '.ci/run', 'web/node_modules/x/y.js'];
  assert.equal(foldersOf(files), ['.ci/', 'hub/', 'hub/src/']);
});

test('every tracked top-level and second-level folder has a row in ARCHITECTURE.md', () => {
  const folders = foldersOf(trackedFiles());
  assert.ok(
    folders.includes('hub/src/') && folders.includes('web/'),
    `git ls-files found no source folders (${folders.length}): is this a git checkout?`,
  );
  const mapped = mappedFolders(readFileSync(join(root, 'ARCHITECTURE.md'), 'utf8'));
  const missing = folders.filter((f) => !mapped.has(f));
  assert.equal(
    missing,
    [],
    `ARCHITECTURE.md has no row for ${missing.map((f) => `\`${f}\``).join(', ')}: add each to a folder table ` +
      '("| `folder/` | purpose | may import |")',
  );
});

test.run();
