// One owner per table: ARCHITECTURE.md's "Table owners" lists, for every table of hub/src/db/schema.ts, the one folder
// of hub/src whose files may name it in a Kysely call (selectFrom, insertInto, updateTable, deleteFrom, joins, and db/prepared.ts preparedInsert)
// or in raw SQL of a sql`…` template (from, update, into, join). Any
// other file goes through the owner's functions. hub/src/db/ (setup, migrations) and test code are not checked.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const root = join(import.meta.dirname, '..');
const hubSrc = join(root, 'hub/src');

const CALL =
  /\.?\b(selectFrom|insertInto|updateTable|deleteFrom|innerJoin|leftJoin|rightJoin|fullJoin|replaceInto|mergeInto|preparedInsert(?:<[^>(]*>)?)\(\s*['"`]([A-Za-z_]+)/g;

/** Raw SQL in sql`…` templates, and the names it reads or writes (a CTE's name too: callers keep only tables). */
const RAW = /\bsql(?:<[^>`]*>)?`([^`]*)`/g;
const RAW_NAME = /\b(from|update|into|join)\s+"?([A-Za-z_]+)/gi;

/** Tables named by Kysely calls in one file's source, with the call; `raw` marks names found in raw SQL. */
export function tableCalls(source: string): { table: string; call: string; raw?: true }[] {
  const calls: { table: string; call: string; raw?: true }[] = [...source.matchAll(CALL)].map((m) => ({
    call: m[1],
    table: m[2],
  }));
  for (const t of source.matchAll(RAW))
    for (const m of t[1].matchAll(RAW_NAME)) calls.push({ call: `sql\`${m[1]}\``, table: m[2], raw: true });
  return calls;
}

/** `| \`table\` | \`hub/src/folder/\` | … |` rows under the "## Table owners" heading. */
function ownersOf(markdown: string): Map<string, string> {
  const out = new Map<string, string>();
  const start = markdown.indexOf('\n## Table owners');
  assert.ok(start >= 0, 'ARCHITECTURE.md has no "## Table owners" section');
  const end = markdown.indexOf('\n## ', start + 1);
  for (const line of markdown.slice(start, end < 0 ? undefined : end).split('\n')) {
    const m = /^\|\s*`([a-z_]+)`\s*\|\s*`(hub\/src\/[^`]+\/)`\s*\|/.exec(line);
    if (m) out.set(m[1], m[2]);
  }
  return out;
}

function tablesOf(schema: string): string[] {
  const body = /export interface Database \{([^}]*)\}/.exec(schema)?.[1] ?? '';
  return [...body.matchAll(/^\s*([a-z_]+):/gm)].map((m) => m[1]);
}

/** Source files of the running hub: not tests, not test support, not db/ (setup and migrations). */
function hubFiles(dir = hubSrc): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    const rel = relative(hubSrc, p);
    if (e.isDirectory()) {
      if (rel !== 'db' && rel !== 'testing') out.push(...hubFiles(p));
    } else if (
      e.name.endsWith('.ts') &&
      !e.name.endsWith('.test.ts') &&
      !e.name.endsWith('.d.ts') &&
      e.name !== 'test-sites.ts'
    )
      out.push(p);
  }
  return out;
}

test('the scan finds every kind of call, aliased or not', () => {
  const src = `db.selectFrom('tasks as t').innerJoin('runners as r', 'r.id', 't.runner_id'); trx.updateTable("users")
    .leftJoin(\n 'sessions', …); db.deleteFrom('blobs'); db.insertInto('audit_log'); x.selectFrom(sub)
    sql\`with v(a) as (values (1)) update task_attempts set a = v.a from v\`; sql<number>\`select min(x) from "tasks"\``;
  assert.equal(
    tableCalls(src).map((c) => c.table),
    ['tasks', 'runners', 'users', 'sessions', 'blobs', 'audit_log', 'task_attempts', 'v', 'tasks'],
  );
});

test('every table has one owner in ARCHITECTURE.md, and only its owner names it in a query', () => {
  const owners = ownersOf(readFileSync(join(root, 'ARCHITECTURE.md'), 'utf8'));
  const tables = tablesOf(readFileSync(join(hubSrc, 'db/schema.ts'), 'utf8'));
  assert.ok(tables.length >= 10, `found ${tables.length} tables in hub/src/db/schema.ts`);
  assert.equal(
    tables.filter((t) => !owners.has(t)),
    [],
    'tables without an owner row in ARCHITECTURE.md ("## Table owners")',
  );
  const files = hubFiles();
  assert.ok(files.length > 50, `found ${files.length} hub source files`);
  const strays: string[] = [];
  for (const file of files) {
    const rel = relative(root, file);
    for (const { table, call, raw } of tableCalls(readFileSync(file, 'utf8'))) {
      if (raw && !tables.includes(table)) continue; // a CTE or an alias, not a table
      const owner = owners.get(table);
      assert.ok(owner !== undefined, `${rel}: ${call}('${table}') names a table that is not in hub/src/db/schema.ts`);
      if (!rel.startsWith(owner)) strays.push(`${rel}: ${call}('${table}') (owner ${owner})`);
    }
  }
  assert.equal([...new Set(strays)], [], `queries outside their table's owner:\n${strays.join('\n')}`);
});

test.run();
