// Issue #18 points 8–11 in real Chromium at 1280 and 390 px: a signed-out visit without console errors, the page of a
// dataset (sites, rows, policy, a column summary under the owner's policy, "New analysis" / "New study"), the filter
// builder (between in order, focus after Add and Remove, numbers kept by "Edit and run again"), readable charts and a
// sortable group table, and a phone layout (coefficients not cut, result near the top, 24 px targets). Screenshots in
// test-artifacts/screenshots/ds-*.png.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launch, logIn, newPage, shot } from '../lib/browser.ts';
import { PATIENTS_CSV } from '../lib/data.ts';
import { ADMIN_PASSWORD, HubProc } from '../lib/hub.ts';
import { tempDir } from '../lib/procs.ts';
import { RunnerProc } from '../lib/runner.ts';

// The page's globals, for the functions that run in Chromium (scripts compile without the DOM library).
declare const document: any, window: any;
declare function getComputedStyle(el: unknown): { overflowX: string };

const t = suite('web: datasets, filters, charts, phone');
const WIDTHS = [1280, 390];
let hub: HubProc;
let runner: RunnerProc;
let browser: Browser;

/** 400 rows: an id (every value distinct), negative numbers, a 0/1 flag and four groups of 100. */
function signalsCsv(): string {
  const file = join(tempDir('simpul-ds-'), 'signals.csv');
  const lines = ['id,delta,flag,grp'];
  for (let i = 0; i < 400; i++)
    lines.push(`S${String(i).padStart(4, '0')},${-1116 + ((i * 37) % 1000)},${i % 3 === 0 ? 1 : 0},${'abcd'[i % 4]}`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

t.before(async () => {
  hub = await HubProc.start({ name: 'ds-hub' });
  const signals = signalsCsv();
  runner = await RunnerProc.start(hub, {
    name: 'ds-runner',
    datasets: [
      { name: 'patients', path: PATIENTS_CSV },
      { name: 'signals', path: signals },
      { name: 'signals_k', path: signals, policy: { min_group_size: 30 } }, // some histogram bins fall under k
      { name: 'signals_rows', path: signals, policy: { allow_ops: [100, 200] } }, // no analyses at all
    ],
  });
  browser = await launch();
});
t.after(async () => {
  await browser?.close();
  await runner?.stop();
  await hub?.stop();
});

async function start(width: number): Promise<{ page: Page; errors: string[] }> {
  const p = await newPage(browser, width, width < 600 ? 844 : 860);
  await logIn(p.page, hub.url, 'admin', ADMIN_PASSWORD);
  return p;
}

/** Nothing on the page is wider than the screen: only boxes of their own scroll sideways. */
async function noSidewaysScroll(page: Page, where: string) {
  const { scroll, inner } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    inner: window.innerWidth,
  }));
  assert.ok(scroll <= inner, `${where}: the page is ${scroll} px wide on a ${inner} px screen`);
}

t('a signed-out visit lands on the login page with nothing in the console (no 401)', async () => {
  for (const width of WIDTHS) {
    const { page, errors } = await newPage(browser, width, 800);
    await page.goto(`${hub.url}/tasks`);
    await page.waitForURL((u) => u.pathname === '/login');
    await page.getByRole('button', { name: 'Log in' }).waitFor();
    await page.waitForTimeout(300); // anything late would show up now
    await shot(page, `ds-signed-out-${width}`);
    assert.equal(errors, [], `console at ${width} px`);
    await page.context().close();
  }
  const anon = await fetch(`${hub.url}/api/v1/auth/session`);
  assert.is(anon.status, 200);
  assert.equal(await anon.json(), { signed_in: false, user: null });
  const login = await hub.api.post('/api/v1/auth/login', { username: 'admin', password: ADMIN_PASSWORD });
  const me = await fetch(`${hub.url}/api/v1/auth/session`, {
    headers: { authorization: `Bearer ${login.body.token}` },
  });
  assert.is(((await me.json()) as { user: { username: string } }).user.username, 'admin');
});

t('a page per dataset: sites, rows, policy, a column summary on request, and forms opened on it', async () => {
  for (const width of WIDTHS) {
    const { page, errors } = await start(width);
    // The dataset's name on its runner's card is a link to its page.
    await page
      .locator('[data-testid=runner][data-runner-name=ds-runner] [data-testid=dataset-link]', { hasText: /^signals$/ })
      .click();
    await page.waitForURL((u) => u.pathname === '/datasets/signals');
    await page.getByRole('heading', { name: 'signals', level: 1 }).waitFor();
    assert.match(await page.locator('[data-testid=dataset-rows]').innerText(), '400 rows · 4 columns');
    const sites = await page.locator('[data-testid=dataset-sites]').innerText();
    assert.match(sites, 'ds-runner');
    assert.match(sites, '400');
    assert.match(await page.locator('[data-testid=dataset-columns]').innerText(), 'delta');

    await page.getByTestId('summarise').click();
    const summary = page.locator('[data-testid=dataset-summary]');
    await summary.locator('[data-testid=analysis-result][data-analysis=describe]').waitFor({ timeout: 30_000 });
    const captions = await summary.locator('[data-testid=chart-histogram] figcaption').allInnerTexts();
    const delta = captions.find((c) => c.includes('delta')) ?? '';
    assert.match(delta, /from −1,116 to −1\d\d/, 'negative edges with real minus signs');
    assert.not.match(delta, /\d-/, 'no hyphen between numbers');
    const flag = captions.find((c) => c.includes('flag')) ?? '';
    assert.match(flag, 'which holds two values, 0 and 1', 'a 0/1 column: a bar per value');
    // The id column (every value distinct) gets no "most frequent values"; grp does.
    const tops = await summary.locator('[data-testid=top-values] h4').allInnerTexts();
    assert.ok(tops.includes('grp'), `top values of grp (${tops.join(', ')})`);
    assert.not.ok(tops.includes('id'), 'no top values for an id');
    await noSidewaysScroll(page, `dataset page at ${width}`);
    await summary.locator('[data-testid=chart-histogram] canvas').last().waitFor(); // drawn, for the screenshot
    await page.waitForTimeout(200);
    await shot(page, `ds-dataset-${width}`);

    // "New analysis" opens the form on this dataset; "New study" too.
    await page.getByTestId('new-analysis').click();
    await page.waitForURL((u) => u.pathname === '/new');
    assert.equal(JSON.parse(await page.locator('[data-testid=request-json]').innerText()).params.dataset, 'signals');
    await page.goBack();
    await page.getByTestId('new-study').click();
    await page.waitForURL((u) => u.pathname === '/studies/new');
    assert.is(await page.locator('#study-dataset').inputValue(), 'signals');
    assert.equal(errors, [], `console at ${width} px`);
    await page.context().close();
  }
});

t('the summary says what the gate withheld, and a policy without analyses is said plainly', async () => {
  const { page, errors } = await start(1280);
  await page.goto(`${hub.url}/datasets/signals_k`);
  await page.getByTestId('summarise').click();
  const summary = page.locator('[data-testid=dataset-summary]');
  await summary.locator('[data-testid=analysis-result]').waitFor({ timeout: 30_000 });
  const note = await summary.locator('[data-testid=disclosure-note]').innerText();
  assert.match(note, /30/, `the note names the owner's minimum (${note})`);
  await shot(page, 'ds-dataset-withheld-1280');

  await page.goto(`${hub.url}/datasets/signals_rows`);
  assert.match(await page.getByTestId('summary-refused').innerText(), 'does not allow analyses (op 300)');
  assert.ok(await page.getByTestId('summarise').isDisabled());
  assert.match(await page.locator('[data-testid=dataset-sites]').innerText(), 'ops 100, 200');
  assert.equal(errors, []);
});

const focusedId = (page: Page) =>
  page.evaluate(() => document.activeElement?.id || document.activeElement?.textContent);

t('filter builder: between in order, focus after Add and Remove, numbers kept by "Edit and run again"', async () => {
  for (const width of WIDTHS) {
    const { page, errors } = await start(width);
    await page.goto(`${hub.url}/new`);
    await page.getByLabel('Dataset').selectOption({ label: 'patients on ds-runner' });
    await page.getByRole('radio', { name: /Filter/ }).check();
    const conds = page.locator('[data-testid=filter-condition]');
    await page.getByRole('button', { name: 'Add condition' }).click();
    assert.match(String(await focusedId(page)), /^c-.*-col$/, 'a new condition takes the focus');
    await conds.nth(0).getByLabel('Column').selectOption('age');
    await conds.nth(0).getByLabel('Operator').selectOption('between');
    await conds.nth(0).getByLabel('Value').fill('40');
    await conds.nth(0).getByLabel('Up to').fill('20');
    const err = conds.nth(0).locator('.field-error', { hasText: 'above' });
    assert.is(await err.innerText(), '40 is above 20: put the lower value first');
    await page.getByRole('button', { name: 'Submit' }).click();
    assert.is(page.url(), `${hub.url}/new`, 'not sent');
    await shot(page, `ds-filter-between-${width}`);

    // Remove moves the focus to the condition before, or to "Add condition" when none is left.
    await page.getByRole('button', { name: 'Add condition' }).click();
    const firstId = await conds.nth(0).getByLabel('Column').getAttribute('id');
    await conds.nth(1).getByRole('button', { name: 'Remove condition' }).click();
    assert.is(await focusedId(page), firstId, 'focus on the condition before');
    await conds.nth(0).getByRole('button', { name: 'Remove condition' }).click();
    assert.is(String(await focusedId(page)).trim(), 'Add condition');

    // A number stays a number through "Edit and run again".
    await page.getByRole('button', { name: 'Add condition' }).click();
    await conds.nth(0).getByLabel('Column').selectOption('age');
    await conds.nth(0).getByLabel('Operator').selectOption('>=');
    await conds.nth(0).getByLabel('Value').fill('60');
    await page.getByRole('button', { name: 'Submit' }).click();
    await page.waitForURL(/\/tasks\//);
    await page.locator('[data-testid=task-status]').filter({ hasText: 'succeeded' }).waitFor({ timeout: 30_000 });
    // The task's dataset links to its page.
    assert.is(await page.getByTestId('task-dataset').getAttribute('href'), '/datasets/patients');
    await page.getByRole('button', { name: 'Edit and run again' }).click();
    await page.waitForURL((u) => u.pathname === '/new');
    const json = JSON.parse(await page.locator('[data-testid=request-json]').innerText());
    assert.equal(json.params.where, { and: [{ column: 'age', op: '>=', value: 60 }] });
    assert.equal(errors, [], `console at ${width} px`);
    await page.context().close();
  }
  // The API refuses the same filter, with the same reason.
  const r = await hub.api.post('/api/v1/tasks', {
    op: 200,
    params: { dataset: 'patients', where: { column: 'age', op: 'between', value: [40, 20] } },
  });
  assert.is(r.status, 400);
  assert.match(JSON.stringify(r.body), 'between needs low ≤ high: 40 is above 20');
});

t('group_by: the table sorts by any header, by mouse and keyboard, and says so (aria-sort)', async () => {
  for (const width of WIDTHS) {
    const { page, errors } = await start(width);
    await page.goto(`${hub.url}/new`);
    await page.getByLabel('Dataset').selectOption({ label: 'patients on ds-runner' });
    await page.getByRole('radio', { name: /Analyse/ }).check();
    await page
      .locator('[data-testid=analysis-kind]')
      .getByRole('radio', { name: /Group and summarise/ })
      .check();
    await page.locator('[data-testid=group-by]').getByRole('checkbox', { name: 'site', exact: true }).check();
    await page.getByRole('button', { name: 'Submit' }).click();
    await page.waitForURL(/\/tasks\//);
    const table = page.locator('[data-testid=table-groups]');
    await table.waitFor({ timeout: 30_000 });
    const rowsHead = table.locator('thead th', { hasText: 'rows' });
    const counts = async () =>
      (await table.locator('tbody tr td:nth-child(2)').allInnerTexts()).map((s) => Number(s.replace(/,/g, '')));
    await rowsHead.getByRole('button').click();
    assert.is(await rowsHead.getAttribute('aria-sort'), 'ascending');
    const up = await counts();
    assert.equal(
      up,
      [...up].sort((a, b) => a - b),
    );
    await rowsHead.getByRole('button').focus();
    await page.keyboard.press('Enter');
    assert.is(await rowsHead.getAttribute('aria-sort'), 'descending');
    const down = await counts();
    assert.equal(
      down,
      [...down].sort((a, b) => b - a),
    );
    await noSidewaysScroll(page, `group_by at ${width}`);
    await shot(page, `ds-group-by-sorted-${width}`);
    assert.equal(errors, [], `console at ${width} px`);
    await page.context().close();
  }
});

t('phone: coefficients scroll inside their box, the result comes early, targets are 24 px', async () => {
  const { page, errors } = await start(390);
  await page.goto(`${hub.url}/new`);
  await page.getByLabel('Dataset').selectOption({ label: 'patients on ds-runner' });
  await page.getByRole('radio', { name: /Analyse/ }).check();
  await page.locator('[data-testid=analysis-kind]').getByRole('radio', { name: 'Logistic regression' }).check();
  await page.getByLabel('Target').selectOption('diabetes');
  const features = page.locator('[data-testid=features]');
  for (const f of ['age', 'bmi', 'systolic_bp']) await features.getByRole('checkbox', { name: f, exact: true }).check();
  const box = await features.getByRole('checkbox', { name: 'age', exact: true }).boundingBox();
  assert.ok(box && box.width >= 24 && box.height >= 24, `a checkbox is ${box?.width}×${box?.height} px`);
  await page.getByRole('button', { name: 'Submit' }).click();
  await page.waitForURL(/\/tasks\//);
  const coef = page.locator('[data-testid=table-coefficients]');
  await coef.waitFor({ timeout: 30_000 });
  await noSidewaysScroll(page, 'logistic result at 390');
  // Every column can be reached: the table's own box scrolls to its last column, the p column included.
  const reach = await coef.evaluate((table: any) => {
    const scroller = table.closest('.table-scroll');
    scroller.scrollLeft = scroller.scrollWidth;
    const box = scroller.getBoundingClientRect();
    const heads = [...table.querySelectorAll('thead th')].map((th: any) => ({
      text: th.textContent.trim(),
      right: th.getBoundingClientRect().right,
      left: th.getBoundingClientRect().left,
    }));
    return { scrolls: getComputedStyle(scroller).overflowX, right: box.right, left: box.left, heads };
  });
  assert.ok(['auto', 'scroll'].includes(reach.scrolls), `the table's box scrolls (${reach.scrolls})`);
  const last = reach.heads[reach.heads.length - 1];
  assert.ok(last.right <= reach.right + 1, `the last column (${last.text}) can be scrolled into view`);
  for (const name of ['z', 'P>|z|'])
    assert.ok(
      reach.heads.some((h: { text: string }) => h.text === name),
      name,
    );
  // The result starts within the first screen and a half: the task's facts are compact on a phone.
  const top = await page
    .locator('[data-testid=result]')
    .evaluate((el: any) => el.getBoundingClientRect().top + window.scrollY);
  assert.ok(top < 600, `the result starts ${Math.round(top)} px down the page`);
  await shot(page, 'ds-logistic-phone-390');
  // Link-styled buttons are 24 px high too (the schema toggle on a runner's card).
  await page.goto(`${hub.url}/`);
  const toggle = await page.locator('[data-testid=dataset-toggle]').first().boundingBox();
  assert.ok(toggle && toggle.height >= 24, `the schema toggle is ${toggle?.height} px high`);
  assert.equal(errors, []);
});

t.run();
