// CSV files for csv-dialects.test.ts, part two: decimal commas and thousands separators, header names, lines before the
// header, one-column files, rows wider or narrower than the header, files that cannot be read, other quote characters.
import { type Fixture, cp1252, peopleText } from './csv-dialects-fixtures.ts';

export const LAYOUT_FILES: Record<string, Fixture> = {
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
