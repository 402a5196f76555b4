// `simpul-runner check` on files shaped like real exports: it shows how each is read (dialect, encoding, line endings, sheet),
// the row count and column types, a warn line per thing the owner should look at, and with --sample the first rows.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { tempDir } from '../engine/test-data.ts';
import { savFile } from '../engine/test-sav.ts';
import { checkCommand } from './check.ts';

const dir = tempDir('simpul-check-datasets-');

async function check(argv: string[]): Promise<{ code: number; output: string }> {
  let output = '';
  const code = await checkCommand(argv, (t) => {
    output += t;
    return true;
  });
  return { code, output };
}

test.before(async () => {
  writeFileSync(join(dir.path, 'ragged.csv'), 'id,name,value\r\n1,a,10\r\n2,b\r\n3,c,30\n');
  // Windows-1252: "Zoë" and "Chloé" (0xEB, 0xE9), with the sums 7 + 5 = 12.
  writeFileSync(
    join(dir.path, 'latin.csv'),
    Buffer.from([
      ...Buffer.from('id;name;score\n1;Zo'),
      0xeb,
      ...Buffer.from(';3,5\n2;Chlo'),
      0xe9,
      ...Buffer.from(';8,5\n'),
    ]),
  );
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('Data');
  ws.addRow(['day', 'count']);
  ws.addRow([new Date('2024-03-01T00:00:00Z'), 4]);
  await wb.xlsx.writeFile(join(dir.path, 'book.xlsx'));
  writeFileSync(
    join(dir.path, 'survey.sav'),
    savFile(
      [
        {
          name: 'q1',
          width: 0,
          format: [5, 1, 0],
          missing: [9],
          valueLabels: [
            [1, 'yes'],
            [2, 'no'],
          ],
        },
      ],
      [[1], [2], [9]],
      true,
    ),
  );
  writeFileSync(join(dir.path, 'short.csv'), 'a,b\n1,2\n');
  writeFileSync(
    join(dir.path, 'runner.yaml'),
    [
      'hub: http://127.0.0.1:8080',
      'datasets:',
      '  - { name: ragged, path: ragged.csv, policy: { max_rows: 10 } }',
      '  - { name: latin, path: latin.csv, policy: { max_rows: 10 } }',
      '  - { name: book, path: book.xlsx, policy: { max_rows: 10 } }',
      '  - { name: survey, path: survey.sav, policy: { max_rows: 10 } }',
      '',
    ].join('\n'),
  );
});

test.after(() => dir.remove());

test('check shows the dialect, encoding, rows, types and warnings of each dataset', async () => {
  const { code, output } = await check(['--config', join(dir.path, 'runner.yaml'), '--offline']);
  assert.is(code, 0, output);
  assert.match(
    output,
    /ok {4}dataset ragged: csv, 3 rows, 3 columns\n {8}read as: delimiter ,, quote ", escape none, header, encoding utf-8 \(read from a UTF-8 copy\), line endings mixed \(3 CRLF, 1 LF\)/,
  );
  assert.match(output, /value: BIGINT \(number\)/);
  assert.match(output, /warn {2}dataset ragged: line endings mixed \(3 CRLF, 1 LF\): read as one kind/);
  assert.match(
    output,
    /warn {2}dataset ragged: 1 row with fewer fields than the header \(line 3\): missing trailing fields read as null/,
  );
  assert.match(
    output,
    /ok {4}dataset latin: csv, 2 rows, 3 columns\n {8}read as: delimiter ;, .*decimal ',' detected \(score\), encoding windows-1252 \(read from a UTF-8 copy\), line endings LF/,
  );
  assert.match(output, /score: DOUBLE \(number\)/);
  assert.match(
    output,
    /warn {2}dataset latin: not valid UTF-8 \(first at line 2\): read as windows-1252; set encoding if that is wrong/,
  );
  assert.match(
    output,
    /ok {4}dataset book: xlsx, 1 rows, 2 columns\n {8}read as: sheet "Data", header in row 1, types from the cells\n {8}day: DATE \(date\)\n {8}count: BIGINT \(number\)/,
  );
  assert.match(
    output,
    /ok {4}dataset survey: sav, 3 rows, 2 columns\n {8}read as: SPSS file, 1 variable \(1 with value labels: labels as the column, codes as <name>_code\)\n {8}q1: VARCHAR \(string\)\n {8}q1_code: BIGINT \(number\)/,
  );
  assert.match(output, /warn {2}dataset survey: q1: 1 value with a missing-value code read as null/);
  assert.not.match(output, /first \d+ rows?:/); // no values unless asked for
});

test('check fails a CSV it cannot make sense of, saying what was tried and what to set', async () => {
  const config = join(dir.path, 'bad.yaml');
  writeFileSync(config, 'hub: http://127.0.0.1:8080\ndatasets:\n  - { name: short, path: short.csv, skip_rows: 5 }\n');
  const { code, output } = await check(['--config', config, '--offline']);
  assert.is(code, 2, output);
  assert.match(
    output,
    /FAIL {2}dataset short: cannot open: could not work out how to read this CSV; tried auto-detection: .* no lines left after skipping 5\. Set delimiter, quote, escape, header, skip_rows or encoding in the dataset entry\./,
  );
});

test('check --sample N shows the first rows as the engine reads them', async () => {
  const { code, output } = await check(['--config', join(dir.path, 'runner.yaml'), '--offline', '--sample', '2']);
  assert.is(code, 0, output);
  assert.match(output, /first 2 rows:\n {10}1 \| "Zoë" \| 3\.5\n {10}2 \| "Chloé" \| 8\.5/);
  assert.match(output, /first 2 rows:\n {10}1 \| "a" \| 10\n {10}2 \| "b" \| null/);
});

test.run();
