// CSV files shaped like the ones data owners hand over, written here byte by byte and read through the real engine:
// mixed line endings, Windows-1252, UTF-16, a BOM, ragged rows, quoted newlines, a decimal comma with ';', thousands
// separators, duplicate and empty header names, a title and comments before the header, and a file that really is one
// column. Expected rows, types and sums come from the values written, and rows also from Python's csv module, not DuckDB.
// The files are in csv-dialects-encodings.ts and csv-dialects-layouts.ts, the helpers in csv-dialects-fixtures.ts.
import { execFileSync } from 'node:child_process';
import { utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type Fixture, type Row, cp1252, peopleText } from './csv-dialects-fixtures.ts';
import { ENCODING_FILES } from './csv-dialects-encodings.ts';
import { LAYOUT_FILES } from './csv-dialects-layouts.ts';
import type { Engine } from './engine.ts';
import { datasetConfig, openEngine, tempDir } from './test-data.ts';

const dir = tempDir('simpul-csv-dialects-');
const cache = tempDir('simpul-csv-cache-');
let engine: Engine;

const FIXTURES: Record<string, Fixture> = { ...ENCODING_FILES, ...LAYOUT_FILES };

test.before(async () => {
  for (const f of Object.values(FIXTURES)) writeFileSync(join(dir.path, f.file), f.bytes);
  engine = await openEngine(
    Object.entries(FIXTURES).map(([name, f]) => datasetConfig(name, join(dir.path, f.file), f.options)),
    cache.path,
  );
});

test.after(async () => {
  await engine?.close();
  dir.remove();
  cache.remove();
});

async function readAll(name: string): Promise<{ names: string[]; rows: Row[] }> {
  const db = await engine.session(new AbortController().signal);
  try {
    const rel = await engine.dataset(name).relation(db, []);
    const r = await db.query(`SELECT * FROM ${rel.relation}`);
    return { names: r.columns.map((c) => c.name), rows: r.rows };
  } finally {
    db.close();
  }
}

for (const [name, f] of Object.entries(FIXTURES)) {
  test(`${name}: same columns, types, rows and sums as written`, async () => {
    const info = engine.datasets().find((d) => d.name === name)!;
    if (f.error) {
      assert.match(info.error ?? '', f.error);
      return;
    }
    assert.is(info.error, undefined, info.error);
    assert.equal(
      info.columns.map((c) => [c.name, c.type]),
      f.columns,
    );
    assert.is(info.row_count, f.rows.length);
    const got = await readAll(name);
    assert.equal(
      got.names,
      f.columns.map(([n]) => n),
    );
    assert.equal(got.rows, f.rows);
    // Sums of the numeric columns, from the values written.
    f.columns.forEach(([, type], k) => {
      if (type !== 'BIGINT' && type !== 'DOUBLE') return;
      const want = f.rows.reduce((s, r) => s + (typeof r[k] === 'number' ? (r[k] as number) : 0), 0);
      const have = got.rows.reduce((s, r) => s + (typeof r[k] === 'number' ? (r[k] as number) : 0), 0);
      assert.ok(Math.abs(want - have) < 1e-9, `${name}.${f.columns[k][0]}: sum ${have}, written ${want}`);
    });
    for (const w of f.warn ?? [])
      assert.ok(
        info.warnings?.some((x) => w.test(x)),
        `${name}: no warning like ${w}; got ${JSON.stringify(info.warnings)}`,
      );
    if (f.noWarnings) assert.is(info.warnings, undefined, `${name}: ${JSON.stringify(info.warnings)}`);
    if (f.only !== undefined) assert.is(info.warnings?.length, f.only, `${name}: ${JSON.stringify(info.warnings)}`);
  });
}

/** Each file as Python's csv module reads it: decoded, split, short rows padded with None, empty fields None. */
function pythonRead(files: [path: string, encoding: string, delimiter: string][]): (string | null)[][][] {
  const script = `
import csv, json, sys
out = []
for path, encoding, delimiter in json.loads(sys.argv[1]):
    with open(path, encoding=encoding, newline='') as f:
        rows = [r for r in csv.reader(f, delimiter=delimiter) if r]
    width = max(len(r) for r in rows)
    out.append([[(r[k] if k < len(r) and r[k] != '' else None) for k in range(width)] for r in rows[1:]])
print(json.dumps(out))
`;
  return JSON.parse(execFileSync('python3', ['-c', script, JSON.stringify(files)], { encoding: 'utf8' }));
}

test("rows equal Python's csv module's reading of the same bytes", async () => {
  const checked = Object.entries(FIXTURES).filter(([, f]) => f.python); // before the test that rewrites latin1.csv
  const want = pythonRead(checked.map(([, f]) => [join(dir.path, f.file), f.python![0], f.python![1]]));
  assert.ok(checked.length >= 10);
  for (const [k, [name]] of checked.entries()) {
    const got = (await readAll(name)).rows.map((r) => r.map((v) => (v === null ? null : String(v))));
    assert.equal(got, want[k], name);
  }
});

test('what goes to the hub never quotes a row, nor names a hidden column', async () => {
  const late = engine.datasets().find((d) => d.name === 'late_extra_field')!;
  assert.not.match(late.error ?? '', /EXTRA|25000,/);
  const own = await openEngine(
    [datasetConfig('dup', join(dir.path, 'dup.csv'), { policy: { hidden_columns: ['a_1'] } })],
    cache.path,
  );
  try {
    const info = own.datasets()[0];
    assert.equal(
      info.columns.map((c) => c.name),
      ['a', 'column2', 'b'],
    );
    assert.is(info.warnings, undefined, JSON.stringify(info.warnings)); // the only warning names a_1
  } finally {
    await own.close();
  }
});

test('the dialect each file was read with is described for `simpul-runner check`', () => {
  assert.match(
    engine.dataset('decimal_comma').dialect ?? '',
    /delimiter ;.*decimal ',' detected \(price, amount\), thousands '\.'/,
  );
  assert.match(
    engine.dataset('latin1_detected').dialect ?? '',
    /encoding windows-1252 \(read from a UTF-8 copy\), line endings CRLF/,
  );
  assert.match(
    engine.dataset('mixed_newlines').dialect ?? '',
    /delimiter ,, .*header, encoding utf-8 \(read from a UTF-8 copy\), line endings mixed/,
  );
});

test('a transcoded file that changes is transcoded again: the new row shows at once', async () => {
  const f = FIXTURES.latin1_detected;
  const more = cp1252(`${peopleText('\r\n')}5,Chloé,50\r\n`);
  writeFileSync(join(dir.path, f.file), more);
  const later = new Date(Date.now() + 5000);
  utimesSync(join(dir.path, f.file), later, later);
  const got = await readAll('latin1_detected');
  assert.equal(got.rows.at(-1), [5, 'Chloé', 50]);
  assert.is(got.rows.length, 5);
});

test.run();
