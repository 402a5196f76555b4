// SPSS system files built here byte by byte from the published layout of the format (header record, variable records,
// value labels, long variable names, dictionary end, uncompressed cases), read through the real engine. Expected values are the ones written.
import { utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Cell } from '@simpul/protocol';
import type { Engine } from './engine.ts';
import { datasetConfig, openEngine, tempDir } from './test-data.ts';

const dir = tempDir('simpul-sav-');
const cache = tempDir('simpul-sav-cache-');
const FILE = join(dir.path, 'survey.sav');
let engine: Engine;

const SYSMIS = -Number.MAX_VALUE;
const SPSS_EPOCH_S = 12_219_379_200; // 1582-10-14 → 1970-01-01
const spssDate = (iso: string) => Date.parse(`${iso}T00:00:00Z`) / 1000 + SPSS_EPOCH_S;

interface SavVar {
  name: string; // up to 8 characters
  width: number; // 0 numeric, 1–8 string
  format: [type: number, width: number, decimals: number]; // F = 5, A = 1, DATE = 20
  label?: string;
  missing?: number[]; // discrete missing-value codes (up to 3)
  valueLabels?: [number, string][];
}

/** A little-endian byte writer. */
class Bytes {
  private parts: Buffer[] = [];
  int(n: number) {
    const b = Buffer.alloc(4);
    b.writeInt32LE(n);
    this.parts.push(b);
  }
  double(x: number) {
    const b = Buffer.alloc(8);
    b.writeDoubleLE(x);
    this.parts.push(b);
  }
  text(s: string, len: number, pad = ' ') {
    this.parts.push(Buffer.from(s.padEnd(len, pad).slice(0, len), 'latin1'));
  }
  raw(b: Buffer) {
    this.parts.push(b);
  }
  done() {
    return Buffer.concat(this.parts);
  }
}

/** An uncompressed .sav file of `vars` and `cases` (numbers, strings, or SYSMIS). */
function savFile(vars: SavVar[], cases: (number | string)[][]): Buffer {
  const w = new Bytes();
  // File header record: 176 bytes.
  w.text('$FL2', 4);
  w.text('@(#) SPSS DATA FILE simpul test fixture', 60);
  w.int(2); // layout code
  w.int(vars.length); // nominal case size: one 8-byte slot per variable (strings up to 8 bytes)
  w.int(0); // not compressed
  w.int(0); // no weight variable
  w.int(cases.length);
  w.double(100); // compression bias
  w.text('01 Jan 24', 9);
  w.text('10:00:00', 8);
  w.text('', 64);
  w.raw(Buffer.alloc(3));
  // Variable records.
  for (const v of vars) {
    w.int(2);
    w.int(v.width);
    w.int(v.label ? 1 : 0);
    w.int(v.missing?.length ?? 0);
    const fmt = (v.format[0] << 16) | (v.format[1] << 8) | v.format[2];
    w.int(fmt); // print format
    w.int(fmt); // write format
    w.text(v.name.toUpperCase(), 8);
    if (v.label) {
      w.int(v.label.length);
      w.text(v.label, Math.ceil(v.label.length / 4) * 4);
    }
    for (const m of v.missing ?? []) w.double(m);
  }
  // Value label records, each followed by the variables (1-based slot indexes) it applies to.
  vars.forEach((v, k) => {
    if (!v.valueLabels) return;
    w.int(3);
    w.int(v.valueLabels.length);
    for (const [value, label] of v.valueLabels) {
      w.double(value);
      const b = Buffer.alloc(Math.ceil((label.length + 1) / 8) * 8, 0x20);
      b[0] = label.length;
      b.write(label, 1, 'latin1');
      w.raw(b);
    }
    w.int(4);
    w.int(1);
    w.int(k + 1);
  });
  // Long variable names (record 7, subtype 13): the short upper-case names mapped to the names as written.
  const longNames = vars.map((v) => `${v.name.toUpperCase()}=${v.name}`).join('\t');
  w.int(7);
  w.int(13);
  w.int(1);
  w.int(longNames.length);
  w.text(longNames, longNames.length);
  // Dictionary termination, then the cases.
  w.int(999);
  w.int(0);
  for (const c of cases) c.forEach((x, k) => (vars[k].width ? w.text(String(x), 8) : w.double(x as number)));
  return w.done();
}

const VARS: SavVar[] = [
  { name: 'id', width: 0, format: [5, 8, 0] },
  { name: 'sex', width: 0, format: [5, 1, 0], label: 'Sex of respondent', missing: [9], valueLabels: [[1, 'male'], [2, 'female'], [9, 'no answer']] },
  { name: 'score', width: 0, format: [5, 8, 2], missing: [-99, -98] },
  { name: 'city', width: 8, format: [1, 8, 0] },
  { name: 'visit', width: 0, format: [20, 11, 0] },
];
// id, sex (9 = no answer: missing; 3 has no label), score (-99/-98 missing, SYSMIS), city, visit date
const CASES: (number | string)[][] = [
  [1, 1, 12.5, 'Lyon', spssDate('2024-01-15')],
  [2, 2, -99, 'Nice', spssDate('2024-02-29')],
  [3, 9, 7.25, 'Metz', SYSMIS],
  [4, 3, SYSMIS, '', spssDate('1999-12-31')],
  [5, 2, -98, 'Paris', spssDate('2024-12-01')],
];

test.before(async () => {
  writeFileSync(FILE, savFile(VARS, CASES));
  engine = await openEngine([datasetConfig('survey', FILE)], cache.path);
});

test.after(async () => {
  await engine?.close();
  dir.remove();
  cache.remove();
});

async function query(sql: string): Promise<Cell[][]> {
  const db = await engine.session(new AbortController().signal);
  try {
    await engine.dataset('survey').relation(db, []); // as a task does: brings the view up to date with the file
    return (await db.query(sql)).rows;
  } finally {
    db.close();
  }
}

test('labels as the column, codes beside it, missing codes and system-missing as null, dates as dates', async () => {
  const info = engine.datasets().find((d) => d.name === 'survey')!;
  assert.is(info.error, undefined, info.error);
  assert.is(info.format, 'sav');
  assert.equal(
    info.columns.map((c) => [c.name, c.type]),
    [['id', 'BIGINT'], ['sex', 'VARCHAR'], ['sex_code', 'BIGINT'], ['score', 'DOUBLE'], ['city', 'VARCHAR'], ['visit', 'DATE']],
  );
  assert.is(info.row_count, CASES.length);
  const rows = await query('SELECT id, sex, sex_code, score, city, CAST(visit AS VARCHAR) FROM survey ORDER BY id');
  assert.equal(rows, [
    [1, 'male', 1, 12.5, 'Lyon', '2024-01-15'],
    [2, 'female', 2, null, 'Nice', '2024-02-29'],
    [3, null, null, 7.25, 'Metz', null],
    [4, '3', 3, null, null, '1999-12-31'],
    [5, 'female', 2, null, 'Paris', '2024-12-01'],
  ]);
  // Sums from the values written, missing codes left out.
  const [[sum]] = await query('SELECT sum(score) FROM survey');
  assert.is(sum, 12.5 + 7.25);
  assert.ok(info.warnings?.includes('sex: 1 value with a missing-value code read as null'), JSON.stringify(info.warnings));
  assert.ok(info.warnings?.includes('score: 2 values with a missing-value code read as null'), JSON.stringify(info.warnings));
  assert.match(engine.dataset('survey').dialect ?? '', /SPSS file, 5 variables \(1 with value labels/);
});

test('a changed file is converted again', async () => {
  writeFileSync(FILE, savFile(VARS, [...CASES, [6, 1, 3, 'Brest', spssDate('2025-01-01')]]));
  const later = new Date(Date.now() + 5000);
  utimesSync(FILE, later, later);
  const rows = await query('SELECT id, sex, score FROM survey WHERE id = 6');
  assert.equal(rows, [[6, 'male', 3]]);
});

test.run();
