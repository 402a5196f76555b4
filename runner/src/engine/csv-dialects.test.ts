// CSV files shaped like the ones data owners hand over, written here byte by byte and read through the real engine:
// mixed line endings, Windows-1252, UTF-16, a BOM, ragged rows, quoted newlines, a decimal comma with ';', thousands
// separators, duplicate and empty header names, a title and comments before the header, and a file that really is one
// column. Expected rows, types and sums come from the values written, and rows also from Python's csv module, not DuckDB.
import { utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Cell } from '@simpul/protocol';
import type { FileDatasetConfig } from '../dataset-config.ts';
import type { Engine } from './engine.ts';
import { execFileSync } from 'node:child_process';
import { datasetConfig, openEngine, tempDir } from './test-data.ts';

const dir = tempDir('simpul-csv-dialects-');
const cache = tempDir('simpul-csv-cache-');
let engine: Engine;

type Row = Cell[];
interface Fixture {
  file: string;
  bytes: Buffer;
  columns: [string, string][]; // name, DuckDB type
  rows: Row[];
  options?: Partial<FileDatasetConfig>;
  warn?: RegExp[]; // each must match one of the dataset's warnings
  noWarnings?: boolean;
  error?: RegExp; // the dataset cannot be opened, and says why
  only?: number; // exactly this many warnings
  python?: [encoding: string, delimiter: string]; // also compare with Python's csv module reading the bytes
}

/** Windows-1252 bytes of a text whose characters are all in that code page (the ones used here: ASCII, é, ë, ü, €, curly quotes). */
function cp1252(text: string): Buffer {
  const special: Record<string, number> = { '€': 0x80, '‘': 0x91, '’': 0x92 };
  return Buffer.from(
    [...text].map(
      (ch) => special[ch] ?? (ch.charCodeAt(0) < 256 ? ch.charCodeAt(0) : assert.unreachable(`not in cp1252: ${ch}`)),
    ),
  );
}

const utf16le = (text: string, bom = true) =>
  Buffer.concat([bom ? Buffer.from([0xff, 0xfe]) : Buffer.alloc(0), Buffer.from(text, 'utf16le')]);

/** CSV text of rows: fields joined by `delim`, a field quoted when it holds the delimiter, a quote or a newline. */
function csvText(header: string[], rows: (string | number | null)[][], delim = ',', eol = '\n'): string {
  const field = (v: string | number | null) => {
    const s = v === null ? '' : String(v);
    return s.includes(delim) || s.includes('"') || s.includes('\n') ? `"${s.replaceAll('"', '""')}"` : s;
  };
  return [header, ...rows].map((r) => r.map(field).join(delim)).join(eol) + eol;
}

const PEOPLE: Row[] = [
  [1, 'José', 10],
  [2, 'Renée', 20],
  [3, 'Zoë', 35],
  [4, 'Müller € ‘Ltd’', 40],
];
const PEOPLE_COLS: [string, string][] = [
  ['id', 'BIGINT'],
  ['name', 'VARCHAR'],
  ['value', 'BIGINT'],
];
const peopleText = (eol = '\n') => csvText(['id', 'name', 'value'], PEOPLE as (string | number)[][], ',', eol);

const FIXTURES: Record<string, Fixture> = {
  // Every line ends in CRLF except the last one (LF): DuckDB alone fails with "Error when sniffing file".
  mixed_newlines: {
    python: ['utf-8', ','],
    file: 'mixed.csv',
    bytes: Buffer.from(
      `id,name,value\r\n${PEOPLE.slice(0, 3)
        .map((r) => r.join(','))
        .join('\r\n')}\n${PEOPLE[3].join(',')}\r\n`.replace(/\r\n$/, '\n'),
    ),
    columns: PEOPLE_COLS,
    rows: PEOPLE,
    warn: [/line endings mixed \(\d+ CRLF, \d+ LF\)/],
  },
  // Windows-1252 without a word of configuration: detected because the bytes are not UTF-8.
  latin1_detected: {
    python: ['cp1252', ','],
    file: 'latin1.csv',
    bytes: cp1252(peopleText('\r\n')),
    columns: PEOPLE_COLS,
    rows: PEOPLE,
    warn: [/not valid UTF-8 \(first at line 2\): read as windows-1252/],
  },
  // The same bytes with the encoding named: no warning.
  latin1_named: {
    file: 'latin1-named.csv',
    bytes: cp1252(peopleText()),
    columns: PEOPLE_COLS,
    rows: PEOPLE,
    options: { encoding: 'latin-1' },
    noWarnings: true,
  },
  // UTF-16 as Excel's "Unicode text" writes it: a BOM, little-endian, characters outside Latin-1.
  utf16: {
    python: ['utf-16', ','],
    file: 'utf16.csv',
    bytes: utf16le(
      csvText(
        ['id', 'city'],
        [
          [1, 'Łódź'],
          [2, 'Zürich'],
          [3, '東京'],
        ],
        ',',
        '\r\n',
      ),
    ),
    columns: [
      ['id', 'BIGINT'],
      ['city', 'VARCHAR'],
    ],
    rows: [
      [1, 'Łódź'],
      [2, 'Zürich'],
      [3, '東京'],
    ],
  },
  utf16_no_bom: {
    python: ['utf-16-le', ','],
    file: 'utf16-nobom.csv',
    bytes: utf16le(
      csvText(
        ['id', 'city'],
        [
          [1, 'Köln'],
          [2, 'Genève'],
        ],
      ),
      false,
    ),
    columns: [
      ['id', 'BIGINT'],
      ['city', 'VARCHAR'],
    ],
    rows: [
      [1, 'Köln'],
      [2, 'Genève'],
    ],
    warn: [/read as utf-16le/],
  },
  // A UTF-8 BOM must not become part of the first column's name.
  bom: {
    python: ['utf-8-sig', ','],
    file: 'bom.csv',
    bytes: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(peopleText())]),
    columns: PEOPLE_COLS,
    rows: PEOPLE,
    noWarnings: true,
  },
  // Rows missing trailing fields: DuckDB alone reads the whole file as one text column named "id,name,value".
  ragged: {
    python: ['utf-8', ','],
    file: 'ragged.csv',
    bytes: Buffer.from('id,name,value\n1,a,10\n2,b\n3,c,30\n4\n5,e,50\n'),
    columns: PEOPLE_COLS,
    rows: [
      [1, 'a', 10],
      [2, 'b', null],
      [3, 'c', 30],
      [4, null, null],
      [5, 'e', 50],
    ],
    warn: [/^2 rows with fewer fields than the header \(line 3, 5\): missing trailing fields read as null$/],
    only: 1,
  },
  // Quoted fields holding newlines, delimiters and doubled quotes.
  quoted_newlines: {
    python: ['utf-8', ','],
    file: 'quoted.csv',
    bytes: Buffer.from(
      csvText(
        ['id', 'note', 'n'],
        [
          [1, 'first line\nsecond line', 5],
          [2, 'a, b and "c"', 6],
          [3, 'plain', 7],
        ],
      ),
    ),
    columns: [
      ['id', 'BIGINT'],
      ['note', 'VARCHAR'],
      ['n', 'BIGINT'],
    ],
    rows: [
      [1, 'first line\nsecond line', 5],
      [2, 'a, b and "c"', 6],
      [3, 'plain', 7],
    ],
    noWarnings: true,
  },
  // As Excel saves CSV: CRLF rows, LF inside a multi-line cell. Not mixed line endings: read as it is, no warning.
  excel_multiline: {
    python: ['utf-8', ','],
    file: 'excel.csv',
    bytes: Buffer.from('id,note\r\n1,"first\nsecond"\r\n2,plain\r\n'),
    columns: [
      ['id', 'BIGINT'],
      ['note', 'VARCHAR'],
    ],
    rows: [
      [1, 'first\nsecond'],
      [2, 'plain'],
    ],
    noWarnings: true,
  },
  // Mixed line endings and an unbalanced quote mark (inches): still found mixed, and read.
  inches: {
    python: ['utf-8', ','],
    file: 'inches.csv',
    bytes: Buffer.from('id,size\r\n1,5" screen\r\n2,7 inch\n'),
    columns: [
      ['id', 'BIGINT'],
      ['size', 'VARCHAR'],
    ],
    rows: [
      [1, '5" screen'],
      [2, '7 inch'],
    ],
    warn: [/line endings mixed \(2 CRLF, 1 LF\)/],
  },
  // Ragged and quoted newlines together (padding rows needs a serial read then).
  ragged_quoted: {
    python: ['utf-8', ','],
    file: 'ragged-quoted.csv',
    bytes: Buffer.from('id,note,n\n1,"two\nlines",5\n2,short\n3,x,7\n'),
    columns: [
      ['id', 'BIGINT'],
      ['note', 'VARCHAR'],
      ['n', 'BIGINT'],
    ],
    rows: [
      [1, 'two\nlines', 5],
      [2, 'short', null],
      [3, 'x', 7],
    ],
    warn: [/^1 row with fewer fields than the header \(line 4\)/],
  },
  // A European export: ';' between fields, ',' before decimals, '.' between thousands.
  decimal_comma: {
    file: 'eu.csv',
    bytes: Buffer.from('id;price;amount;city\n1;1,5;1.234,5;Lyon\n2;2,25;12,75;Nice\n3;-0,5;1.000.000;Metz\n'),
    columns: [
      ['id', 'BIGINT'],
      ['price', 'DOUBLE'],
      ['amount', 'DOUBLE'],
      ['city', 'VARCHAR'],
    ],
    rows: [
      [1, 1.5, 1234.5, 'Lyon'],
      [2, 2.25, 12.75, 'Nice'],
      [3, -0.5, 1000000, 'Metz'],
    ],
  },
  // Decimal commas with a few texts among them: text, with a warning saying what to set (never quoting the values).
  decimal_comma_nearly: {
    file: 'eu-na.csv',
    bytes: Buffer.from(
      `${['id;weight', ...Array.from({ length: 10 }, (_, i) => `${i + 1};${i === 3 ? 'n/a' : `${60 + i},5`}`)].join('\n')}\n`,
    ),
    columns: [
      ['id', 'BIGINT'],
      ['weight', 'VARCHAR'],
    ],
    rows: Array.from({ length: 10 }, (_, i) => [i + 1, i === 3 ? 'n/a' : `${60 + i},5`]),
    warn: [
      /^weight: numbers with a decimal comma but 1 value is not a number \(of the first 20000 rows\): read as text; set decimal_separator: "," and null_values/,
    ],
  },
  // The same with the owner's options: numbers.
  decimal_comma_set: {
    file: 'eu-na-set.csv',
    bytes: Buffer.from(
      `${['id;weight', ...Array.from({ length: 10 }, (_, i) => `${i + 1};${i === 3 ? 'n/a' : `${60 + i},5`}`)].join('\n')}\n`,
    ),
    columns: [
      ['id', 'BIGINT'],
      ['weight', 'DOUBLE'],
    ],
    rows: Array.from({ length: 10 }, (_, i) => [i + 1, i === 3 ? null : 60 + i + 0.5]),
    options: { decimal_separator: ',', null_values: ['n/a', ''] },
    noWarnings: true,
  },
  // Thousands separators in quoted fields, named by the owner.
  thousands: {
    file: 'thousands.csv',
    bytes: Buffer.from('id,amount\n1,"1,234,567"\n2,"12,000.5"\n3,7\n'),
    columns: [
      ['id', 'BIGINT'],
      ['amount', 'DOUBLE'],
    ],
    rows: [
      [1, 1234567],
      [2, 12000.5],
      [3, 7],
    ],
    options: { thousands_separator: ',' },
  },
  // Duplicate and empty header names are made unique, and the owner is told.
  duplicate_headers: {
    python: ['utf-8', ','],
    file: 'dup.csv',
    bytes: Buffer.from('a,a,,b\n1,2,3,4\n5,6,7,8\n'),
    columns: [
      ['a', 'BIGINT'],
      ['a_1', 'BIGINT'],
      ['column2', 'BIGINT'],
      ['b', 'BIGINT'],
    ],
    rows: [
      [1, 2, 3, 4],
      [5, 6, 7, 8],
    ],
    warn: [/header names made unique or filled in: "a" → "a_1", \(empty\) → "column2"/],
  },
  // A title, a blank line and comments before the data.
  skip_and_comment: {
    file: 'titled.csv',
    bytes: Buffer.from('Export of 2024-05-01\nsite: north\nid,value\n# checked by hand\n1,10\n2,20\n# end\n'),
    columns: [
      ['id', 'BIGINT'],
      ['value', 'BIGINT'],
    ],
    rows: [
      [1, 10],
      [2, 20],
    ],
    options: { skip_rows: 2, comment: '#' },
  },
  // One column that really is one column (its values hold spaces, no delimiter): read as it is, no warning.
  one_column: {
    python: ['utf-8', ','],
    file: 'notes.csv',
    bytes: Buffer.from('remark\nall good here\nnothing to add\nsee the other sheet\n'),
    columns: [['remark', 'VARCHAR']],
    rows: [['all good here'], ['nothing to add'], ['see the other sheet']],
    noWarnings: true,
  },
  // The owner says UTF-8 but the bytes are Windows-1252: an error naming the line and the option to set.
  wrong_encoding: {
    file: 'says-utf8.csv',
    bytes: cp1252(peopleText()),
    columns: [],
    rows: [],
    options: { encoding: 'utf-8' },
    error: /not valid utf-8 \(first bad byte at line 2\); try encoding: windows-1252/,
  },
  // Every row is one field short of the header: padded, and the owner is told.
  header_wider: {
    file: 'wide-header.csv',
    bytes: Buffer.from('a,b,c\n1,2\n3,4\n'),
    columns: [
      ['a', 'BIGINT'],
      ['b', 'BIGINT'],
      ['c', 'VARCHAR'],
    ],
    rows: [
      [1, 2, null],
      [3, 4, null],
    ],
    warn: [/^2 rows with fewer fields than the header/],
  },
  // A row with an extra field: padded into a new column, and the owner is told which line.
  extra_field: {
    python: ['utf-8', ','],
    file: 'extra.csv',
    bytes: Buffer.from('id,name,value\n1,a,2\n2,b,3,4\n3,c,5\n'),
    columns: [
      ['id', 'BIGINT'],
      ['name', 'VARCHAR'],
      ['value', 'BIGINT'],
      ['column3', 'BIGINT'],
    ],
    rows: [
      [1, 'a', 2, null],
      [2, 'b', 3, 4],
      [3, 'c', 5, null],
    ],
    warn: [/^1 row has more fields than the header \(line 3\): the extra fields are in column3$/],
    only: 1,
  },
  // An extra field far beyond the rows the dialect is worked out from: an error naming the line and showing it.
  late_extra_field: {
    file: 'late.csv',
    bytes: Buffer.from(
      `${['id,name,value', ...Array.from({ length: 30_000 }, (_, i) => (i === 24_999 ? '25000,x,1,EXTRA' : `${i + 1},n${i + 1},${i}`))].join('\n')}\n`,
    ),
    columns: [],
    rows: [],
    error:
      /^reading stopped at line 25001 of the file\. .*set delimiter, quote, escape, header, skip_rows, encoding or columns/,
  },
  // Nothing works (here: skip_rows past the end): the error says what was tried and which options to set.
  skip_too_far: {
    file: 'short.csv',
    bytes: Buffer.from('a,b\n1,2\n'),
    columns: [],
    rows: [],
    options: { skip_rows: 100 },
    error:
      /^could not work out how to read this CSV; tried auto-detection: .*; null_padding \(short rows\): .*; null_padding and strict_mode = false \(loose quoting\): no lines left after skipping 100\. Set delimiter, quote, escape, header, skip_rows or encoding in the dataset entry\.$/,
  },
  // Nothing to read: an error, not a made-up column.
  empty: {
    file: 'empty.csv',
    bytes: Buffer.from('\n\r\n\n'),
    columns: [],
    rows: [],
    error: /^the file is empty: no header and no rows/,
  },
  // Not text at all.
  binary: {
    file: 'photo.csv',
    bytes: Buffer.from(Array.from({ length: 2048 }, (_, i) => (i * 7) % 256)),
    columns: [],
    rows: [],
    error: /^line 1 holds a NUL byte: this is not a text file/,
  },
  // A quote character other than '"', and a backslash escape.
  single_quote: {
    file: 'squote.csv',
    bytes: Buffer.from("id|label\n1|'it\\'s, fine'\n2|'plain'\n"),
    columns: [
      ['id', 'BIGINT'],
      ['label', 'VARCHAR'],
    ],
    rows: [
      [1, "it's, fine"],
      [2, 'plain'],
    ],
    options: { delimiter: '|', quote: "'", escape: '\\' },
  },
};

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
