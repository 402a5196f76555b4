// Honest limits in real Chromium at 1280 and 390 px: a filter that matches more rows than its limit says why fewer are
// shown, Load more adds the next page, and Download CSV (and Parquet) hold every row of the full result.
import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser, Page } from 'playwright-core';
import { launch, logIn, newPage, shot } from '../lib/browser.ts';
import { bigCsv, readCsv } from '../lib/data.ts';
import { readWithDuckDb } from '../lib/downloads.ts';
import { ADMIN_PASSWORD, HubProc } from '../lib/hub.ts';
import { RunnerProc } from '../lib/runner.ts';

const t = suite('web: honest limits');
const ROWS = 20_000;
const BELOW = 300; // the filter: n < 300, about 30 % of the rows
let csvPath: string;
let matches: string[]; // ids of the matching rows in file order, read from the CSV itself
let hub: HubProc;
let runner: RunnerProc;
let browser: Browser;

t.before(async () => {
  csvPath = await bigCsv(ROWS);
  matches = readCsv(csvPath)
    .filter((r) => Number(r.n) < BELOW)
    .map((r) => r.id);
  // A small inline limit, so that a page of a few thousand rows travels mostly as a file.
  hub = await HubProc.start({ env: { SIMPUL_INLINE_RESULT_MAX: '16384' } });
  runner = await RunnerProc.start(hub, { name: 'limits-runner', datasets: [{ name: 'big', path: csvPath }] });
  browser = await launch();
});
t.after(async () => {
  await browser?.close();
  await runner?.stop();
  await hub?.stop();
});

const fmt = (n: number) => n.toLocaleString('en-US');

/** Submits "n < 300" on big with this limit through the form and waits for the result table. */
async function filterWithLimit(page: Page, limit: number) {
  await page.goto(`${hub.url}/new`);
  await page.getByLabel('Dataset').selectOption({ label: 'big on limits-runner' });
  await page.getByRole('radio', { name: /Filter/ }).check();
  await page.getByRole('button', { name: 'Add condition' }).click();
  const cond = page.locator('[data-testid=filter-condition]').nth(0);
  await cond.getByLabel('Column').selectOption('n');
  await cond.getByLabel('Operator').selectOption('<');
  await cond.getByLabel('Value').fill(String(BELOW));
  await page.getByLabel('Limit', { exact: true }).fill(String(limit));
  await page.getByRole('button', { name: 'Submit' }).click();
  await page.waitForURL(/\/tasks\//);
  await page.locator('[data-testid=task-status]').filter({ hasText: 'succeeded' }).waitFor({ timeout: 60_000 });
  await page.locator('[data-testid=result-table]').waitFor();
}

const tableRows = async (page: Page) =>
  Number(await page.locator('[data-testid=result-table]').getAttribute('data-rows'));
const summary = (page: Page) => page.locator('[data-testid=result-summary]').innerText();

/** Clicks a download link and returns the file's bytes. */
async function downloaded(page: Page, testid: string): Promise<Buffer> {
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testid).click()]);
  return readFileSync((await download.path())!);
}

/** The ids of a downloaded CSV, in order, after checking its header. */
function csvIds(bytes: Buffer): string[] {
  const [head, ...lines] = bytes.toString('utf8').trim().split(/\r?\n/);
  assert.equal(head.split(','), ['id', 's', 'n', 'r']);
  return lines.map((l) => l.split(',')[0]);
}

const noErrors = (errors: string[]) => assert.equal(errors, [], 'no console errors');

t(
  'more matches than the limit: the note says so, Load more adds the next page, CSV holds the full result',
  async () => {
    assert.ok(matches.length > 1000, `${matches.length} rows match`);
    const { page, errors } = await newPage(browser, 1280, 860);
    await logIn(page, hub.url, 'admin', ADMIN_PASSWORD);
    await filterWithLimit(page, 100);
    assert.is(await summary(page), `Showing 100 of ${fmt(matches.length)} matching rows (limit 100).`);
    assert.is(await tableRows(page), 100);
    await shot(page, 'limits-filter-1280');

    const csv = csvIds(await downloaded(page, 'download-csv'));
    assert.equal(csv, matches.slice(0, 100), 'the CSV holds the full result: the first 100 matches');

    await page.getByTestId('load-more').click();
    await page.getByTestId('load-more-tasks').waitFor();
    assert.is(await tableRows(page), 200, 'Load more added the next 100 rows');
    assert.is(await summary(page), `Showing 200 of ${fmt(matches.length)} matching rows (limit 100; 100 more loaded).`);
    const pageTask = (await page.getByTestId('load-more-tasks').locator('a').getAttribute('href'))!.split('/').pop()!;
    const next = await hub.api.get(`/api/v1/result/${pageTask}`);
    assert.equal(
      next.body.result.rows.map((r: unknown[]) => String(r[0])),
      matches.slice(100, 200),
      'the loaded page is the next 100 matches (a task of its own, offset 100)',
    );
    await shot(page, 'limits-load-more-1280');
    noErrors(errors);
  },
);

t('at 390 px: a full result larger than the inline cap is in the download, CSV and Parquet whole', async () => {
  const { page, errors } = await newPage(browser, 390, 844);
  await logIn(page, hub.url, 'admin', ADMIN_PASSWORD);
  await filterWithLimit(page, 5000);
  const inline = await tableRows(page);
  assert.ok(inline > 0 && inline < 5000, `${inline} rows inline`);
  assert.is(
    await summary(page),
    `The first ${fmt(inline)} rows are shown; the full 5,000 are in the download (limit 5,000 of ${fmt(matches.length)} matching rows).`,
  );
  await shot(page, 'limits-large-390');

  const csv = csvIds(await downloaded(page, 'download-csv'));
  assert.is(csv.length, 5000, 'every row of the full result, not only those on screen');
  assert.equal(csv, matches.slice(0, 5000));
  const parquet = await readWithDuckDb(await downloaded(page, 'download-parquet'), 'parquet');
  assert.equal(
    parquet.map((r) => String(r.id)),
    matches.slice(0, 5000),
    'the Parquet file holds the same 5,000 rows',
  );

  await page.getByTestId('load-more').click();
  await page.getByTestId('load-more-tasks').waitFor();
  assert.ok((await tableRows(page)) > inline, 'Load more added rows');
  assert.match(await summary(page), /more loaded\)\. The full result \(5,000 rows\) is in the download\.$/);
  const width = await page.evaluate<number>('document.documentElement.scrollWidth');
  assert.ok(width <= 390, `the page does not scroll sideways (${width} px)`);
  await shot(page, 'limits-load-more-390');
  noErrors(errors);
});

t.run();
