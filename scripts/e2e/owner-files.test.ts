// Files as data owners hand them over, served by a real runner process to a real hub: a Windows-1252 CSV with ';', decimal
// commas, mixed line endings and a short row; a UTF-16 CSV with a BOM; an Excel workbook with two sheets and dates; an
// SPSS file with value labels and missing-value codes. Rows, types and sums are checked against independent readers:
// Python's csv module for the CSVs, the values written for Excel and SPSS.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { SYSMIS, savFile, spssDate } from '../../runner/src/engine/test-sav.ts';
import { HubProc } from '../lib/hub.ts';
import { RunnerProc } from '../lib/runner.ts';

const dir = mkdtempSync(join(tmpdir(), 'simpul-owner-files-'));
const LATIN = join(dir, 'visits-latin1.csv');
const UTF16 = join(dir, 'cities-utf16.csv');
const BOOK = join(dir, 'clinic.xlsx');
const SAV = join(dir, 'survey.sav');
const NOTES = join(dir, 'notes-quoted-newlines.csv');
const DUPS = join(dir, 'lab-duplicate-headers.csv');
const ONE = join(dir, 'codes-one-column.csv');
let hub: HubProc;
let runner: RunnerProc;

/** The CSV as Python's csv module reads it: decoded with `encoding`, short rows padded with None, decimal commas as numbers. */
function pythonRows(path: string, encoding: string, delimiter: string): (string | number | null)[][] {
  const script = `
import csv, json, re, sys
with open(sys.argv[1], encoding=sys.argv[2], newline='') as f:
    rows = list(csv.reader(f, delimiter=sys.argv[3]))
header, body = rows[0], [r for r in rows[1:] if r]
def value(s):
    if s == '': return None
    if re.fullmatch(r'-?\\d+', s): return int(s)
    if re.fullmatch(r'-?\\d{1,3}(\\.\\d{3})*(,\\d+)?|-?\\d+(,\\d+)?', s): return float(s.replace('.', '').replace(',', '.'))
    return s
print(json.dumps([[value(r[k]) if k < len(r) else None for k in range(len(header))] for r in body]))
`;
  return JSON.parse(execFileSync('python3', ['-c', script, path, encoding, delimiter], { encoding: 'utf8' }));
}

test.before(async () => {
  // Windows-1252 ("Zoë", "Chloé", "€"), ';' between fields, decimal commas with '.' thousands, CRLF lines but the last, a short row.
  const latin =
    'id;patient;weight;paid\r\n1;Zoë;61,5;1.234,50\r\n2;Chloé;82,25\r\n3;Ana €;70;12,00\r\n4;Bo;55,75;3,25\n';
  writeFileSync(
    LATIN,
    Buffer.from(latin, 'latin1').map((b, i) => (latin[i] === '€' ? 0x80 : b)),
  );
  writeFileSync(
    UTF16,
    Buffer.concat([
      Buffer.from([0xff, 0xfe]),
      Buffer.from('id,city,pop\r\n1,Łódź,670\r\n2,東京,1400\r\n3,"Zürich, ZH",42\r\n', 'utf16le'),
    ]),
  );
  // Quoted fields with newlines inside (as Excel writes a cell with line breaks), CRLF lines.
  writeFileSync(NOTES, 'id,note,score\r\n1,"first line\r\nsecond line",3\r\n2,"say ""hi""",4\r\n3,plain,5\r\n');
  // Two columns named "value" and one without a name.
  writeFileSync(DUPS, 'id,value,value,\n1,10,11,a\n2,20,21,b\n');
  // A file that really is one column: no delimiter anywhere.
  writeFileSync(ONE, 'code\nA10\nB20\nC30\n');
  const wb = new ExcelJS.Workbook();
  const visits = wb.addWorksheet('Visits');
  visits.addRow(['Clinic visits']);
  visits.addRow(['id', 'day', 'cost']);
  visits.addRow([1, new Date('2024-01-15T00:00:00Z'), 10.5]);
  visits.addRow([2, new Date('2024-02-29T00:00:00Z'), 20.25]);
  const staff = wb.addWorksheet('Staff');
  staff.addRow(['name', 'hours']);
  staff.addRow(['Ana', 30]);
  staff.addRow(['Bo', 12]);
  await wb.xlsx.writeFile(BOOK);
  // SPSS, bytecode-compressed as SPSS writes it: q1 labelled (1 yes, 2 no, 8 refused: a missing code), income with -1 missing.
  writeFileSync(
    SAV,
    savFile(
      [
        { name: 'id', width: 0, format: [5, 8, 0] },
        {
          name: 'q1',
          width: 0,
          format: [5, 1, 0],
          missing: [8],
          valueLabels: [
            [1, 'yes'],
            [2, 'no'],
            [8, 'refused'],
          ],
        },
        { name: 'income', width: 0, format: [5, 10, 2], missing: [-1] },
        { name: 'asked', width: 0, format: [20, 11, 0] },
      ],
      [
        [1, 1, 1250.5, spssDate('2024-03-01')],
        [2, 2, -1, spssDate('2024-03-02')],
        [3, 8, 980.25, SYSMIS],
        [4, 1, SYSMIS, spssDate('2024-03-04')],
      ],
      true,
    ),
  );

  hub = await HubProc.start();
  runner = await RunnerProc.start(hub, {
    name: 'owner-files',
    datasets: [
      { name: 'visits', path: LATIN },
      { name: 'cities', path: UTF16 },
      { name: 'clinic', path: BOOK },
      { name: 'staff', path: BOOK, sheet: 'Staff' },
      { name: 'survey', path: SAV },
      { name: 'notes', path: NOTES },
      { name: 'lab', path: DUPS },
      { name: 'codes', path: ONE },
    ],
  });
});
test.after(async () => {
  await runner?.stop();
  await hub?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function run(body: unknown) {
  const c = await hub.api.post('/api/v1/tasks', body);
  assert.is(c.status, 201, JSON.stringify(c.body));
  const t = await hub.api.waitTask(c.body.task_id, undefined, 120_000);
  assert.is(t.status, 'succeeded', JSON.stringify(t.error));
  return (await hub.api.get(`/api/v1/result/${c.body.task_id}`)).body.result;
}

async function datasets(): Promise<any[]> {
  const list = (await hub.api.get('/api/v1/runners')).body.runners;
  return list.find((r: any) => r.name === 'owner-files').datasets;
}

test('the hub lists each file with the schema the runner read, and the CSV warnings', async () => {
  const ds = await datasets();
  const visits = ds.find((d: any) => d.name === 'visits');
  assert.is(visits.error, undefined, visits.error);
  assert.equal(
    visits.columns.map((c: any) => [c.name, c.type]),
    [
      ['id', 'BIGINT'],
      ['patient', 'VARCHAR'],
      ['weight', 'DOUBLE'],
      ['paid', 'DOUBLE'],
    ],
  );
  assert.is(visits.row_count, 4);
  assert.ok(
    visits.warnings?.some((w: string) => /^1 row with fewer fields than the header \(line 3\)/.test(w)),
    JSON.stringify(visits.warnings),
  );
  assert.ok(
    visits.warnings?.some((w: string) => /read as windows-1252/.test(w)),
    JSON.stringify(visits.warnings),
  );
  const clinic = ds.find((d: any) => d.name === 'clinic');
  assert.equal(
    clinic.columns.map((c: any) => [c.name, c.type]),
    [
      ['id', 'BIGINT'],
      ['day', 'DATE'],
      ['cost', 'DOUBLE'],
    ],
  );
  assert.equal(
    ds.find((d: any) => d.name === 'staff').columns.map((c: any) => c.name),
    ['name', 'hours'],
  );
});

test('Windows-1252 CSV: rows and sums equal Python csv', async () => {
  const want = pythonRows(LATIN, 'cp1252', ';');
  const r = await run({ op: 100, params: { dataset: 'visits', limit: 100 } });
  assert.equal(r.rows, want);
  const d = await run({ op: 300, params: { dataset: 'visits', analysis: 'describe' } });
  for (const [k, name] of [
    [2, 'weight'],
    [3, 'paid'],
  ] as const) {
    const xs = want.map((row) => row[k]).filter((v): v is number => typeof v === 'number');
    const col = d.columns.find((c: any) => c.name === name);
    assert.is(col.count, xs.length, name);
    const sum = xs.reduce((a, b) => a + b, 0);
    assert.ok(
      Math.abs(col.mean * col.count - sum) < 1e-9 * Math.max(1, sum),
      `${name}: ${col.mean} × ${col.count} vs ${sum}`,
    );
  }
});

test('UTF-16 CSV with a BOM: rows equal Python csv', async () => {
  const r = await run({ op: 100, params: { dataset: 'cities', limit: 100 } });
  assert.equal(r.rows, pythonRows(UTF16, 'utf-16', ','));
});

test('Excel: both sheets, dates as dates, values as written', async () => {
  const r = await run({ op: 100, params: { dataset: 'clinic', limit: 100 } });
  assert.equal(
    r.rows.map((x: any[]) => [x[0], String(x[1]).slice(0, 10), x[2]]),
    [
      [1, '2024-01-15', 10.5],
      [2, '2024-02-29', 20.25],
    ],
  );
  const s = await run({ op: 100, params: { dataset: 'staff', limit: 100 } });
  assert.equal(s.rows, [
    ['Ana', 30],
    ['Bo', 12],
  ]);
});

test('SPSS: labels with codes beside them, missing codes as null, dates as dates', async () => {
  const ds = await datasets();
  const survey = ds.find((d: any) => d.name === 'survey');
  assert.equal(
    survey.columns.map((c: any) => [c.name, c.type]),
    [
      ['id', 'BIGINT'],
      ['q1', 'VARCHAR'],
      ['q1_code', 'BIGINT'],
      ['income', 'DOUBLE'],
      ['asked', 'DATE'],
    ],
  );
  const r = await run({ op: 100, params: { dataset: 'survey', limit: 100 } });
  assert.equal(
    r.rows.map((x: any[]) => [x[0], x[1], x[2], x[3], x[4] === null ? null : String(x[4]).slice(0, 10)]),
    [
      [1, 'yes', 1, 1250.5, '2024-03-01'],
      [2, 'no', 2, null, '2024-03-02'],
      [3, null, null, 980.25, null],
      [4, 'yes', 1, null, '2024-03-04'],
    ],
  );
  const d = await run({ op: 300, params: { dataset: 'survey', analysis: 'describe' } });
  const income = d.columns.find((c: any) => c.name === 'income');
  assert.is(income.count, 2);
  assert.ok(Math.abs(income.mean * income.count - (1250.5 + 980.25)) < 1e-9);
});

test('quoted newlines, duplicate and empty header names, and a real one-column file: as Python csv reads them', async () => {
  const notes = await run({ op: 100, params: { dataset: 'notes', limit: 100 } });
  assert.equal(notes.rows, pythonRows(NOTES, 'utf-8', ','));
  assert.is(notes.rows[0][1], 'first line\r\nsecond line');
  const ds = await datasets();
  const lab = ds.find((d: any) => d.name === 'lab');
  const names = lab.columns.map((c: any) => c.name);
  assert.is(names.length, 4);
  assert.is(new Set(names).size, 4, `header names made unique: ${names}`);
  assert.ok(lab.warnings?.length, 'the renaming is reported');
  const labRows = await run({ op: 100, params: { dataset: 'lab', limit: 100 } });
  assert.equal(labRows.rows, pythonRows(DUPS, 'utf-8', ','));
  const codes = ds.find((d: any) => d.name === 'codes');
  assert.is(codes.error, undefined, codes.error);
  assert.equal(
    codes.columns.map((c: any) => c.name),
    ['code'],
  );
  assert.equal((await run({ op: 100, params: { dataset: 'codes', limit: 100 } })).rows, [['A10'], ['B20'], ['C30']]);
});

test.run();
