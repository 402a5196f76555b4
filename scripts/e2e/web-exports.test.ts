// Exports from the result pages in real Chromium, at 1280 and 390 px: a regression's and a filter's results and a
// study's pooled result download as files while the page stays put, and the files hold every part (read with exceljs
// and unpdf). Two runners serve slices of "patients" for the study; the first also serves the whole file.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser, Locator, Page } from 'playwright-core';
import { pdfPages, readSheets } from '../../runner/src/export/report-readback.ts';
import { launch, logIn, newPage, shot } from '../lib/browser.ts';
import { PATIENTS_CSV } from '../lib/data.ts';
import { splitCsv } from '../lib/federated.ts';
import { ADMIN_PASSWORD, HubProc } from '../lib/hub.ts';
import { RunnerProc } from '../lib/runner.ts';

const [north, south] = splitCsv(PATIENTS_CSV, [0.6, 0.4]);
const dir = mkdtempSync(join(tmpdir(), 'simpul-web-exports-'));
let hub: HubProc;
const runners: RunnerProc[] = [];
let browser: Browser;
let linearId = '';
let filterId = '';
let studyId = '';

test.before(async () => {
  hub = await HubProc.start({ name: 'exports-hub', env: { SIMPUL_SITE_APPROVAL: 'auto' } });
  runners.push(
    await RunnerProc.start(
      hub,
      {
        name: 'exports-a',
        datasets: [
          { name: 'patients', path: PATIENTS_CSV },
          { name: 'patients_fed', path: north },
        ],
      },
      false,
    ),
    await RunnerProc.start(hub, { name: 'exports-b', datasets: [{ name: 'patients_fed', path: south }] }, false),
  );
  for (const r of runners) await hub.waitRunnerOnline(r.opts.name, true, 180_000);
  const linear = await hub.api.post('/api/v1/tasks', {
    op: 300,
    params: { dataset: 'patients', analysis: 'linear_regression', target: 'systolic_bp', features: ['age', 'bmi'] },
  });
  linearId = linear.body.task_id;
  const filter = await hub.api.post('/api/v1/tasks', {
    op: 200,
    params: { dataset: 'patients', where: { column: 'age', op: '>=', value: 80 }, limit: 50 },
  });
  filterId = filter.body.task_id;
  for (const id of [linearId, filterId]) assert.is((await hub.api.waitTask(id)).status, 'succeeded');
  const study = await hub.api.post('/api/v1/studies', {
    dataset: 'patients_fed',
    analysis: 'linear_regression',
    target: 'systolic_bp',
    features: ['age', 'bmi'],
    require: 'all',
  });
  assert.is(study.status, 201, JSON.stringify(study.body));
  studyId = study.body.study_id;
  const end = Date.now() + 120_000;
  while ((await hub.api.get(`/api/v1/studies/${studyId}`)).body.status !== 'succeeded') {
    if (Date.now() > end) throw new Error(`study ${studyId} did not succeed`);
    await new Promise((r) => setTimeout(r, 200));
  }
  browser = await launch();
});

test.after(async () => {
  await browser?.close();
  await Promise.all(runners.map((r) => r.stop()));
  await hub?.stop();
});

/** Clicks `trigger` and saves the download it starts; the page must not navigate. */
async function downloadFrom(page: Page, trigger: Locator, name: string): Promise<string> {
  const before = page.url();
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 120_000 }), trigger.click()]);
  const path = join(dir, name);
  await download.saveAs(path);
  assert.is(page.url(), before, 'the page stays where it was');
  return path;
}

/** Picks a format in the task page's export form and exports. */
async function exportTask(page: Page, format: string, name: string): Promise<string> {
  await page.locator('#export-format').selectOption(format);
  return downloadFrom(page, page.locator('[data-testid=export-result]'), name);
}

for (const width of [1280, 390]) {
  test(`${width} px: a regression exports as xlsx and PDF from its page, with every part`, async () => {
    const { page, errors } = await newPage(browser, width);
    await logIn(page, hub.url, 'admin', ADMIN_PASSWORD);
    await page.goto(`${hub.url}/tasks/${linearId}`);
    await page.locator('[data-testid=export-result]').waitFor();
    const sheets = await readSheets(await exportTask(page, 'xlsx', `linear-${width}.xlsx`));
    assert.equal([...sheets.keys()], ['Summary', 'Coefficients', 'Metrics']);
    const summary = new Map((sheets.get('Summary') ?? []).map((r) => [r[0], r[1]]));
    assert.is(summary.get('Exported from task'), linearId);
    assert.is(summary.get('Runner'), 'exports-a');
    assert.match(String(summary.get('Description')), /systolic_bp ~ age \+ bmi on patients/);
    assert.ok(sheets.get('Metrics')?.some((r) => r[0] === 'Adjusted R²' && typeof r[1] === 'number'));
    const text = (await pdfPages(await exportTask(page, 'pdf', `linear-${width}.pdf`))).join('\n');
    for (const part of [
      'Linear regression: patients',
      linearId,
      'exports-a',
      'Std. error',
      'F-statistic',
      'Disclosure control',
    ])
      assert.ok(text.includes(part), `PDF has "${part}"`);
    await page.locator('[data-testid=export-again]').waitFor();
    await shot(page, `exports-task-${width}`);
    assert.equal(errors, []);
  });

  test(`${width} px: a filter's rows export as a workbook with the data sheet`, async () => {
    const { page, errors } = await newPage(browser, width);
    await logIn(page, hub.url, 'admin', ADMIN_PASSWORD);
    await page.goto(`${hub.url}/tasks/${filterId}`);
    await page.locator('[data-testid=export-result]').waitFor();
    const sheets = await readSheets(await exportTask(page, 'xlsx', `rows-${width}.xlsx`));
    assert.equal([...sheets.keys()], ['Summary', 'Columns', 'Data']);
    const data = sheets.get('Data') ?? [];
    assert.equal(data[0]?.slice(0, 3), ['patient_id', 'site', 'age']);
    assert.ok(data.length > 1 && data.slice(1).every((r) => Number(r[2]) >= 80), 'only the matching rows');
    assert.equal(errors, []);
  });

  test(`${width} px: a study's pooled fit exports as xlsx and PDF from its page`, async () => {
    const { page, errors } = await newPage(browser, width);
    await logIn(page, hub.url, 'admin', ADMIN_PASSWORD);
    await page.goto(`${hub.url}/studies/${studyId}`);
    await page.locator('[data-testid=study-export]').waitFor();
    const sheets = await readSheets(
      await downloadFrom(page, page.locator('[data-testid=study-export-xlsx]'), `study-${width}.xlsx`),
    );
    assert.equal([...sheets.keys()], ['Summary', 'Coefficients', 'Metrics', 'Sites']);
    assert.ok(sheets.get('Summary')?.some((r) => r[0] === 'Study id' && r[1] === studyId));
    assert.equal(
      sheets
        .get('Coefficients')
        ?.slice(1)
        .map((r) => r[0]),
      ['(intercept)', 'age', 'bmi'],
    );
    const text = (
      await pdfPages(await downloadFrom(page, page.locator('[data-testid=study-export-pdf]'), `study-${width}.pdf`))
    ).join('\n');
    for (const part of ['Linear regression (study): patients_fed', studyId, 'exports-a', 'exports-b', 'Std. error'])
      assert.ok(text.includes(part), `PDF has "${part}"`);
    await shot(page, `exports-study-${width}`);
    assert.equal(errors, []);
  });
}

test.run();
