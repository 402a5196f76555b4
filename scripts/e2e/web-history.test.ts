// History in real Chromium: two studies and a few tasks; the Tasks list folds each study's rounds under it, says what
// each task does, searches and filters through the hub with the filters in the URL, shows full ids, and page titles
// name the task. At 1280 and 390 px, with screenshots and no console errors.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser, Page } from 'playwright-core';
import type { Api } from '../lib/api.ts';
import { launch, logIn, newPage, shot } from '../lib/browser.ts';
import { PATIENTS_CSV } from '../lib/data.ts';
import { runStudy, splitCsv } from '../lib/federated.ts';
import { ADMIN_PASSWORD, HubProc } from '../lib/hub.ts';
import { RunnerProc } from '../lib/runner.ts';

declare const document: { documentElement: { scrollWidth: number } }, window: { innerWidth: number };

const files = splitCsv(PATIENTS_CSV, [0.6, 0.4]);
let hub: HubProc;
const runners: RunnerProc[] = [];
let browser: Browser;
let api: Api;
const made = { named: '', filter: '', describe: '', summary: '', logistic: '', rounds: [] as string[] };

async function task(body: Record<string, unknown>): Promise<string> {
  const r = await api.post('/api/v1/tasks', body);
  if (r.status !== 201) throw new Error(`POST /tasks: ${r.status} ${JSON.stringify(r.body)}`);
  await api.waitTask(r.body.task_id, ['succeeded']);
  return r.body.task_id;
}

test.before(async () => {
  hub = await HubProc.start({ name: 'history-hub', env: { SIMPUL_SITE_APPROVAL: 'auto' } });
  for (const [i, path] of files.entries())
    runners.push(
      await RunnerProc.start(
        hub,
        {
          name: `hist-${'ab'[i]}`,
          datasets: [{ name: 'patients', path }, ...(i === 0 ? [{ name: 'clinic', path: PATIENTS_CSV }] : [])],
        },
        false,
      ),
    );
  for (const r of runners) await hub.waitRunnerOnline(r.opts.name, true, 180_000);
  api = hub.api;
  const summary = await runStudy(api, { dataset: 'patients', analysis: 'summary', columns: ['age', 'bmi'] });
  const logistic = await runStudy(api, {
    dataset: 'patients',
    analysis: 'logistic_regression',
    target: 'diabetes',
    features: ['age', 'bmi'],
  });
  for (const s of [summary, logistic]) assert.is(s.status, 'succeeded', JSON.stringify(s.error));
  made.summary = summary.study_id;
  made.logistic = logistic.study_id;
  made.rounds = [summary, logistic].flatMap((s) =>
    s.rounds.flatMap((r: { tasks: { task_id: string }[] }) => r.tasks.map((t) => t.task_id)),
  );
  made.named = await task({
    op: 300,
    name: 'Diabetes risk, first look',
    params: { dataset: 'clinic', analysis: 'logistic_regression', target: 'diabetes', features: ['age', 'bmi'] },
  });
  made.filter = await task({ op: 200, params: { dataset: 'patients', where: { column: 'age', op: '>', value: 60 } } });
  made.describe = await task({ op: 300, params: { dataset: 'clinic', analysis: 'describe', columns: ['bmi', 'age'] } });
  browser = await launch();
});

test.after(async () => {
  await browser?.close();
  await Promise.all(runners.map((r) => r.stop()));
  await hub?.stop();
});

const taskRows = (page: Page) => page.locator('[data-testid=task-row]');
const studyGroups = (page: Page) => page.locator('[data-testid=study-group]');
const shownTaskIds = async (page: Page) =>
  (await taskRows(page).evaluateAll((rows) => rows.map((r) => r.getAttribute('data-task-id')))).sort();

async function noSidewaysScroll(page: Page) {
  const wide = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(wide <= 1, `the page scrolls sideways by ${wide} px`);
}

async function waitRows(page: Page, ids: string[]) {
  const want = [...ids].sort();
  const until = Date.now() + 20_000;
  for (;;) {
    const got = await shownTaskIds(page);
    if (JSON.stringify(got) === JSON.stringify(want)) return;
    if (Date.now() > until) assert.equal(got, want, 'task rows shown');
    await page.waitForTimeout(100);
  }
}

for (const width of [1280, 390]) {
  test(`${width} px: rounds fold under their study, descriptions and full ids, search and filters in the URL`, async () => {
    const { page, errors } = await newPage(browser, width, width < 600 ? 844 : 860);
    await logIn(page, hub.url, 'admin', ADMIN_PASSWORD);
    await page.goto(`${hub.url}/tasks`);
    await page.locator(`[data-testid=task-row][data-task-id="${made.describe}"]`).waitFor();

    // Three tasks and two studies; none of the rounds has a row of its own.
    await waitRows(page, [made.named, made.filter, made.describe]);
    assert.ok(made.rounds.length >= 4, `two studies on two runners make at least 4 rounds (${made.rounds.length})`);
    assert.equal(
      (await studyGroups(page).evaluateAll((rows) => rows.map((r) => r.getAttribute('data-study-id')))).sort(),
      [made.summary, made.logistic].sort(),
    );
    const title = (id: string) => page.locator(`[data-task-id="${id}"] [data-testid=task-title]`).innerText();
    assert.is(await title(made.filter), 'Filter patients: age > 60');
    assert.is(await title(made.describe), 'Describe bmi, age on clinic');
    assert.is(await title(made.named), 'Diabetes risk, first look');
    assert.match(
      await page.locator(`[data-task-id="${made.named}"]`).innerText(),
      /Logistic: diabetes ~ age \+ bmi on clinic/,
    );
    const group = page.locator(`[data-testid=study-group][data-study-id="${made.logistic}"]`);
    assert.is(
      await group.locator('[data-testid=study-title]').innerText(),
      'Logistic: diabetes ~ age + bmi on patients',
    );

    // Unfold the logistic study: its rounds, one per runner and round, each described.
    await group.getByRole('button', { name: 'Show rounds' }).click();
    const rounds = page.locator(`#rounds-${made.logistic} [data-testid=round-row]`);
    await rounds.first().waitFor();
    const roundIds = await rounds.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-task-id')));
    assert.ok(roundIds.length >= 2 && roundIds.every((id) => made.rounds.includes(id ?? '')), JSON.stringify(roundIds));
    assert.match(await rounds.first().innerText(), /^Round 1 \(newton\)/);
    assert.match(
      (await rounds.first().locator('a').getAttribute('title')) ?? '',
      /^Study round 1 \(Newton step for diabetes ~ age \+ bmi\) on patients$/,
    );
    assert.is(await group.getByRole('button', { name: 'Hide rounds' }).getAttribute('aria-expanded'), 'true');
    await shot(page, `history-tasks-${width}`);
    await noSidewaysScroll(page);

    // Ids in full and all different (the first characters of ids made in one second are the same).
    const ids = await page.locator('[data-testid=copy-id] .id').allInnerTexts();
    assert.ok(ids.length >= 5);
    assert.is(new Set(ids).size, ids.length, 'every id shown differs');
    assert.ok(ids.includes(made.filter));

    // Search: the hub matches words in the name, description or id; the URL carries the search.
    await page.getByRole('searchbox', { name: 'Search' }).fill('diabetes');
    await page.waitForURL(/[?&]q=diabetes/);
    await waitRows(page, [made.named]);
    assert.equal(await studyGroups(page).evaluateAll((rows) => rows.map((r) => r.getAttribute('data-study-id'))), [
      made.logistic,
    ]);
    // A filter on top: the operation. Studies are analyses, so "Filter" leaves them out.
    await page.getByRole('searchbox', { name: 'Search' }).fill('');
    await page.waitForURL((u) => !u.searchParams.has('q'));
    await page.getByLabel('Operation', { exact: true }).selectOption({ label: 'Filter' });
    await page.waitForURL(/[?&]op=200/);
    await waitRows(page, [made.filter]);
    assert.is(await studyGroups(page).count(), 0);
    // The filtered list survives a reload and can be shared: a fresh page at the URL shows the same.
    await page.getByLabel('Operation', { exact: true }).selectOption({ label: 'Analyse' });
    await page.getByLabel('Dataset', { exact: true }).selectOption('clinic');
    await page.waitForURL((u) => u.searchParams.get('op') === '300' && u.searchParams.get('dataset') === 'clinic');
    await waitRows(page, [made.named, made.describe]);
    const shared = page.url();
    await page.reload();
    await waitRows(page, [made.named, made.describe]);
    assert.is(await page.getByLabel('Dataset', { exact: true }).inputValue(), 'clinic');
    assert.is(await page.getByLabel('Operation', { exact: true }).inputValue(), '300');
    await page.goto(`${shared}&q=salary`);
    await page.locator('[data-testid=tasks-empty]').waitFor();
    await shot(page, `history-filtered-empty-${width}`);
    await page.getByRole('button', { name: 'Clear filters' }).first().click();
    await page.waitForURL((u) => u.search === '');
    await waitRows(page, [made.named, made.filter, made.describe]);

    // Titles say what the task is: the name when it has one, else the description; a study's its analysis.
    await page.locator(`[data-task-id="${made.filter}"] [data-testid=task-title]`).click();
    await page.waitForURL(new RegExp(`/tasks/${made.filter}$`));
    await page.locator('[data-testid=task-heading]').filter({ hasText: 'Filter patients: age > 60' }).waitFor();
    assert.is(await page.title(), 'Filter patients: age > 60 · Simpul');
    await page.goto(`${hub.url}/tasks/${made.named}`);
    await page.locator('[data-testid=task-heading]').filter({ hasText: 'Diabetes risk, first look' }).waitFor();
    assert.is(await page.title(), 'Diabetes risk, first look · Simpul');
    assert.is(
      await page.locator('[data-testid=task-description]').innerText(),
      'Logistic: diabetes ~ age + bmi on clinic',
    );
    await shot(page, `history-task-title-${width}`);
    await noSidewaysScroll(page);
    await page.goto(`${hub.url}/studies/${made.logistic}`);
    await page.locator('[data-testid=study-heading]').waitFor();
    assert.is(await page.title(), 'Logistic: diabetes ~ age + bmi on patients · Simpul');

    // The Studies list folds the rounds the same way.
    await page.goto(`${hub.url}/studies`);
    const row = page.locator(`[data-testid=study-row][data-study-id="${made.summary}"]`);
    assert.match(await row.innerText(), /Summary of age, bmi on patients/);
    await row.getByRole('button', { name: 'Show rounds' }).click();
    await page.locator(`#rounds-${made.summary} [data-testid=round-row]`).first().waitFor();
    await shot(page, `history-studies-${width}`);
    await noSidewaysScroll(page);
    assert.equal(errors, []);
  });
}

test('a name typed in the New analysis form is sent, listed and searchable', async () => {
  const { page, errors } = await newPage(browser);
  await logIn(page, hub.url, 'admin', ADMIN_PASSWORD);
  await page.goto(`${hub.url}/new`);
  await page.getByLabel('Dataset').selectOption({ label: 'clinic on hist-a' });
  await page.getByRole('radio', { name: /Fetch rows/ }).check();
  await page.getByLabel('Name').fill('Clinic sample for Ana');
  await page.getByRole('button', { name: 'Submit' }).click();
  await page.waitForURL(/\/tasks\//);
  await page.locator('[data-testid=task-heading]').filter({ hasText: 'Clinic sample for Ana' }).waitFor();
  assert.is(await page.title(), 'Clinic sample for Ana · Simpul');
  const id = page.url().split('/').pop() ?? '';
  assert.is((await api.task(id)).name, 'Clinic sample for Ana');
  await page.goto(`${hub.url}/tasks?q=ana%20sample`);
  await waitRows(page, [id]);
  assert.equal(errors, []);
});

test.run();
