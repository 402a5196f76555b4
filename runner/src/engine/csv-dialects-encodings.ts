// CSV files for csv-dialects.test.ts, part one: encodings (Windows-1252, UTF-16, a BOM), line endings, quoted
// newlines and ragged rows.
import { type Fixture, cp1252, utf16le, csvText, PEOPLE, PEOPLE_COLS, peopleText } from './csv-dialects-fixtures.ts';

export const ENCODING_FILES: Record<string, Fixture> = {
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
};
