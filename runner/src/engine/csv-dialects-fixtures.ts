// Helpers for the CSV dialect tests (csv-dialects.test.ts): what a fixture file is and expects, and CSV bytes built
// from values (Windows-1252, UTF-16, quoting as Python's csv module does), with the `people` rows most files hold.
import type { Cell } from '@simpul/protocol';
import * as assert from 'uvu/assert';
import type { FileDatasetConfig } from '../dataset-config.ts';

export type Row = Cell[];
export interface Fixture {
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
export function cp1252(text: string): Buffer {
  const special: Record<string, number> = { '€': 0x80, '‘': 0x91, '’': 0x92 };
  return Buffer.from(
    [...text].map(
      (ch) => special[ch] ?? (ch.charCodeAt(0) < 256 ? ch.charCodeAt(0) : assert.unreachable(`not in cp1252: ${ch}`)),
    ),
  );
}

export const utf16le = (text: string, bom = true) =>
  Buffer.concat([bom ? Buffer.from([0xff, 0xfe]) : Buffer.alloc(0), Buffer.from(text, 'utf16le')]);

/** CSV text of rows: fields joined by `delim`, a field quoted when it holds the delimiter, a quote or a newline. */
export function csvText(header: string[], rows: (string | number | null)[][], delim = ',', eol = '\n'): string {
  const field = (v: string | number | null) => {
    const s = v === null ? '' : String(v);
    return s.includes(delim) || s.includes('"') || s.includes('\n') ? `"${s.replaceAll('"', '""')}"` : s;
  };
  return [header, ...rows].map((r) => r.map(field).join(delim)).join(eol) + eol;
}

export const PEOPLE: Row[] = [
  [1, 'José', 10],
  [2, 'Renée', 20],
  [3, 'Zoë', 35],
  [4, 'Müller € ‘Ltd’', 40],
];
export const PEOPLE_COLS: [string, string][] = [
  ['id', 'BIGINT'],
  ['name', 'VARCHAR'],
  ['value', 'BIGINT'],
];
export const peopleText = (eol = '\n') => csvText(['id', 'name', 'value'], PEOPLE as (string | number)[][], ',', eol);
