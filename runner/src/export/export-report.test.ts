// Exports of analyses and data read back as a person would: each xlsx sheet (exceljs) and each PDF page's text (unpdf).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ExportParams } from '@simpul/protocol';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { VEGA, openTestSource, tempDir } from '../analysis/test-source.ts';
import { Gate } from '../disclosure/gate.ts';
import { pdfPages, readSheets, type Sheets } from './report-readback.ts';
import { writeExport } from './write-export.ts';

const tmp = tempDir();
const FILE = join(VEGA, 'seattle-weather.csv');
const ROWS = readFileSync(FILE, 'utf8').trim().split('\n').length - 1; // 1,461
const ORIGIN = { task_id: 'tsk_export_0001', runner: 'lab-runner' };
const SOURCE = 'tsk_source_0001';

/** Exports `analysis` (or the data) as `format` through a real release gate, as the runner would (k = 5 if `k5`). */
async function exported(format: 'xlsx' | 'pdf' | 'csv' | 'json', analysis?: Record<string, unknown>, k5 = false) {
  const src = await openTestSource(FILE, { dataset: 'seattle', ...(k5 ? { minGroupSize: 5 } : {}) });
  const gate = new Gate(k5 ? { min_group_size: 5 } : undefined, { dataset: 'seattle', op: 400 });
  const path = join(tmp.dir, `${String(analysis?.analysis ?? 'data')}.${format}`);
  const params = ExportParams.parse({ dataset: 'seattle', format, analysis, source_task_id: SOURCE });
  try {
    await writeExport(src, params, path, (r) => gate.analysis(r, undefined), ORIGIN);
    return path;
  } finally {
    src.close();
  }
}

/** The Summary sheet as field → value. */
function summary(sheets: Sheets): Map<string, unknown> {
  return new Map((sheets.get('Summary') ?? []).slice(1).map((r) => [String(r[0]), r[1]]));
}

/** The value column of a two-column sheet by its label. */
const metric = (sheets: Sheets, sheet: string, label: string) =>
  sheets
    .get(sheet)
    ?.slice(1)
    .find((r) => r[0] === label)?.[1];

function checkSummary(sheets: Sheets, description: RegExp): void {
  const s = summary(sheets);
  assert.is(s.get('Task id'), ORIGIN.task_id);
  assert.is(s.get('Exported from task'), SOURCE);
  assert.is(s.get('Runner'), ORIGIN.runner);
  assert.is(s.get('Dataset'), 'seattle');
  assert.match(String(s.get('Description')), description);
  assert.ok(!Number.isNaN(Date.parse(String(s.get('Generated at')))), 'a time');
  assert.ok(s.has('Note') || s.has('Disclosure control'), 'the disclosure note');
}

/** Every page's text joined, with the header's parts checked. */
async function checkPdf(path: string, title: string, description: RegExp): Promise<string> {
  const pages = await pdfPages(path);
  assert.ok(pages.length >= 1);
  const text = pages.join('\n');
  for (const part of [title, 'Task id', ORIGIN.task_id, SOURCE, ORIGIN.runner, 'seattle', 'Generated at'])
    assert.ok(text.includes(part), `PDF has "${part}"`);
  assert.match(text, description);
  assert.not.match(text, /std_error|p_value|ci_low|rows_used|adj_r2/, 'human labels, not field names');
  assert.not.match(text, /VARCH…|VARC…/, 'types in full');
  return text;
}

test('linear regression: Summary, Coefficients and Metrics (R², adjusted R², F, AIC/BIC) in xlsx, PDF and CSV', async () => {
  const a = { analysis: 'linear_regression', target: 'temp_max', features: ['temp_min', 'wind'] };
  const sheets = await readSheets(await exported('xlsx', a));
  assert.equal([...sheets.keys()], ['Summary', 'Coefficients', 'Metrics']);
  checkSummary(sheets, /temp_max ~ temp_min \+ wind on seattle/);
  assert.equal(sheets.get('Coefficients')?.[0], [
    'Term',
    'Estimate',
    'Std. error',
    't',
    'p-value',
    '95% CI low',
    '95% CI high',
  ]);
  assert.equal(
    sheets
      .get('Coefficients')
      ?.slice(1)
      .map((r) => r[0]),
    ['(intercept)', 'temp_min', 'wind'],
  );
  for (const label of ['R²', 'Adjusted R²', 'F-statistic', 'p-value (F)', 'AIC', 'BIC', 'Log-likelihood'])
    assert.type(metric(sheets, 'Metrics', label), 'number', label);
  assert.is(metric(sheets, 'Metrics', 'Rows used'), ROWS);

  const text = await checkPdf(await exported('pdf', a), 'Linear regression: seattle', /temp_max ~ temp_min \+ wind/);
  for (const part of ['Std. error', 'p-value', 'Adjusted R²', 'F-statistic', 'Fitted temp_max', 'Actual temp_max'])
    assert.ok(text.includes(part), part);
  assert.ok(text.includes(ROWS.toLocaleString('en-US')), 'rows with a thousands separator');

  const csv = readFileSync(await exported('csv', a), 'utf8');
  assert.match(csv, /# Metrics\r\nMetric,Value\r\nR²,0\.\d+/);
  assert.match(csv, /# Summary\r\nField,Value\r\nTitle,Linear regression: seattle/);
});

test('logistic regression: Metrics (accuracy, AUC, log-likelihood, McFadden) and Confusion', async () => {
  const a = {
    analysis: 'logistic_regression',
    target: 'weather',
    positive: 'sun',
    features: ['temp_max', 'precipitation', 'wind'],
  };
  const sheets = await readSheets(await exported('xlsx', a));
  assert.equal([...sheets.keys()], ['Summary', 'Coefficients', 'Metrics', 'Confusion']);
  checkSummary(sheets, /weather = sun ~ temp_max \+ precipitation \+ wind/);
  assert.ok(sheets.get('Coefficients')?.[0].includes('Odds ratio'));
  for (const label of ['Accuracy', 'AUC', 'Precision', 'Recall', 'F1', 'Log-likelihood', 'Pseudo R² (McFadden)', 'AIC'])
    assert.type(metric(sheets, 'Metrics', label), 'number', label);
  const confusion = sheets.get('Confusion') ?? [];
  assert.is(confusion.length, 3);
  const cells = confusion.slice(1).flatMap((r) => r.slice(1) as number[]);
  assert.is(
    cells.reduce((s, n) => s + n, 0),
    metric(sheets, 'Metrics', 'Rows fitted'),
  );

  const text = await checkPdf(await exported('pdf', a), 'Logistic regression: seattle', /weather = sun/);
  for (const part of ['Confusion matrix', 'Odds ratio', 'Pseudo R² (McFadden)', 'AUC', 'False positive rate'])
    assert.ok(text.includes(part), part);

  const json = JSON.parse(readFileSync(await exported('json', a), 'utf8'));
  assert.is(json.analysis, 'logistic_regression');
  assert.is(json.report.meta.task_id, ORIGIN.task_id);
  assert.ok(json.metrics.auc > 0.5);
  assert.ok(json.confusion);
});

test('describe: full type names, the disclosure note of the k = 5 policy, histograms with labelled axes', async () => {
  const sheets = await readSheets(await exported('xlsx', { analysis: 'describe' }, true));
  assert.equal([...sheets.keys()], ['Summary', 'Numeric columns', 'Other columns']);
  checkSummary(sheets, /Summary statistics of 6 columns/);
  const notes = (sheets.get('Summary') ?? []).filter((r) => r[0] === 'Note').map((r) => String(r[1]));
  assert.ok(
    notes.some((n) => /row-level values withheld/.test(n)),
    notes.join('\n'),
  );
  assert.ok(sheets.get('Other columns')?.some((r) => r[1] === 'VARCHAR'));
  const text = await checkPdf(
    await exported('pdf', { analysis: 'describe' }, true),
    'Summary statistics: seattle',
    /6 columns/,
  );
  assert.ok(text.includes('VARCHAR'));
  assert.match(text, /Disclosure control: row-level values withheld/);
  assert.ok(text.includes('Std. dev.'));
  assert.ok((text.match(/Rows/g) ?? []).length >= 4, 'histogram y axes are labelled');
});

test('group_by: Groups and Metrics sheets; the PDF has the bar chart axes', async () => {
  const a = { analysis: 'group_by', group_by: ['weather'], aggregates: [{ fn: 'mean', column: 'temp_max' }] };
  const sheets = await readSheets(await exported('xlsx', a));
  assert.equal([...sheets.keys()], ['Summary', 'Groups', 'Metrics']);
  assert.equal(sheets.get('Groups')?.[0], ['weather', 'Count', 'mean(temp_max)', 'Withheld']);
  const counted = (sheets.get('Groups') ?? []).slice(1).reduce((s, r) => s + Number(r[1]), 0);
  assert.is(counted, ROWS);
  const text = await checkPdf(await exported('pdf', a), 'Grouped aggregates: seattle', /mean\(temp_max\) by weather/);
  assert.ok(text.includes('drizzle') && text.includes('Withheld'));
});

test('k-means: Clusters with sizes and centres; the PDF has a cluster legend', async () => {
  const a = { analysis: 'kmeans', k: 3, features: ['temp_max', 'precipitation', 'wind'] };
  const sheets = await readSheets(await exported('xlsx', a));
  assert.equal([...sheets.keys()], ['Summary', 'Clusters', 'Metrics']);
  assert.equal(sheets.get('Clusters')?.[0], ['Cluster', 'Size', 'temp_max', 'precipitation', 'wind']);
  assert.is(sheets.get('Clusters')?.length, 4);
  assert.type(metric(sheets, 'Metrics', 'Silhouette'), 'number');
  const text = await checkPdf(await exported('pdf', a), 'k-means clustering: seattle', /k = 3/);
  for (const legend of ['Cluster 1', 'Cluster 2', 'Cluster 3']) assert.ok(text.includes(legend), legend);
});

test('a data result: Summary, Columns and the Data sheet; the PDF is a data report', async () => {
  const sheets = await readSheets(await exported('xlsx'));
  assert.equal([...sheets.keys()], ['Summary', 'Columns', 'Data']);
  checkSummary(sheets, /1,461 rows of seattle/);
  assert.is(sheets.get('Data')?.length, ROWS + 1);
  assert.equal(sheets.get('Data')?.[0], ['date', 'precipitation', 'temp_max', 'temp_min', 'wind', 'weather']);
  assert.ok(sheets.get('Columns')?.some((r) => r[0] === 'weather' && r[1] === 'VARCHAR'));
  const text = await checkPdf(await exported('pdf'), 'Data report: seattle', /The 6 columns of seattle/);
  assert.ok(text.includes('Numeric columns'));
});

test.after(() => tmp.cleanup());
test.run();
