// Every page of the web app at 1280 px and on a 390 px phone, in real Chromium against a real hub and runner: it draws its
// heading and content without console errors, nothing is wider than the screen, and a screenshot of each is kept
// (test-artifacts/screenshots/page-<name>-<width>.png).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser, Page } from 'playwright-core';
import { launch, logIn, newPage, shot } from '../lib/browser.ts';
import { join } from 'node:path';
import { PATIENTS_CSV, VEGA } from '../lib/data.ts';
import { ADMIN_PASSWORD, HubProc } from '../lib/hub.ts';
import { RunnerProc } from '../lib/runner.ts';

// The page's globals, for the functions that run in Chromium (scripts compile without the DOM library).
declare const document: { documentElement: { scrollWidth: number } }, window: { innerWidth: number };

let hub: HubProc;
let runner: RunnerProc;
let browser: Browser;
let taskId = '';
let groupTaskId = ''; // a group_by under a policy: one group under k, so the release gate withholds two

/** Each page: its path, its heading, and something of its own content that must be drawn. */
const pages = () => [
  { name: 'runners', path: '/', heading: 'Runners', content: '[data-testid=runner][data-runner-name=pages-runner]' },
  { name: 'new', path: '/new', heading: 'New analysis', content: 'form[aria-label="New analysis"]' },
  { name: 'tasks', path: '/tasks', heading: 'Tasks', content: `[data-testid=task-row][data-task-id=${taskId}]` },
  {
    name: 'task',
    path: `/tasks/${taskId}`,
    heading: 'Filter patients: age >= 85',
    content: '[data-testid=result-table] tbody tr[data-row]',
  },
  {
    name: 'dataset',
    path: '/datasets/patients',
    heading: 'patients',
    content: '[data-testid=dataset-columns] code:has-text("systolic_bp")',
  },
  { name: 'studies', path: '/studies', heading: 'Studies', content: 'a:has-text("New study")' },
  { name: 'new-study', path: '/studies/new', heading: 'New study', content: 'button:has-text("Start study")' },
  { name: 'tokens', path: '/tokens', heading: 'API tokens', content: '[data-testid=token-create]' },
  { name: 'admin-users', path: '/admin/users', heading: 'Administration', content: 'text=admin' },
  { name: 'admin-keys', path: '/admin/keys', heading: 'Administration', content: 'form' },
  { name: 'admin-runners', path: '/admin/runners', heading: 'Administration', content: 'text=pages-runner' },
  { name: 'not-found', path: '/no/such/page', heading: 'Page not found', content: 'h1' },
];

test.before(async () => {
  hub = await HubProc.start({ name: 'pages-hub' });
  runner = await RunnerProc.start(hub, {
    name: 'pages-runner',
    datasets: [
      { name: 'patients', path: PATIENTS_CSV },
      { name: 'penguins_k50', path: join(VEGA, 'penguins.json'), policy: { min_group_size: 50 } },
    ],
  });
  const c = await hub.api.post('/api/v1/tasks', {
    op: 200,
    params: { dataset: 'patients', where: { column: 'age', op: '>=', value: 85 }, limit: 50 },
  });
  taskId = c.body.task_id;
  assert.is((await hub.api.waitTask(taskId)).status, 'succeeded');
  const g = await hub.api.post('/api/v1/tasks', {
    op: 300,
    params: { dataset: 'penguins_k50', analysis: 'group_by', group_by: ['Island', 'Species'] },
  });
  groupTaskId = g.body.task_id;
  assert.is((await hub.api.waitTask(groupTaskId)).status, 'succeeded');
  browser = await launch();
});
test.after(async () => {
  await browser?.close();
  await runner?.stop();
  await hub?.stop();
});

/** How far the page is wider than the screen (0: not at all). */
const overflow = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);

for (const width of [1280, 390]) {
  test(`every page at ${width} px: heading, content, no console errors, nothing wider than the screen`, async () => {
    const { page, errors } = await newPage(browser, width, width === 390 ? 844 : 860);
    await page.goto(`${hub.url}/login`);
    await page.getByRole('heading', { name: 'Log in to Simpul' }).waitFor();
    assert.ok((await overflow(page)) <= 0, 'login fits the screen');
    await shot(page, `page-login-${width}`);
    await logIn(page, hub.url, 'admin', ADMIN_PASSWORD);
    for (const p of pages()) {
      await page.goto(hub.url + p.path);
      await page.getByRole('heading', { level: 1, name: p.heading }).waitFor();
      await page.locator(p.content).first().waitFor();
      assert.is(await page.locator('h1').count(), 1, `${p.name}: one main heading`);
      const wider = await overflow(page);
      assert.ok(wider <= 0, `${p.name} at ${width} px is ${wider} px wider than the screen`);
      await shot(page, `page-${p.name}-${width}`);
    }
    assert.equal(
      errors.filter((e) => !/Failed to load resource.*(401|404)/.test(e)),
      [],
      'no console errors',
    );
  });
}

test("a result under the data owner's policy says what was withheld", async () => {
  const { page, errors } = await newPage(browser, 1280, 860);
  await logIn(page, hub.url, 'admin', ADMIN_PASSWORD);
  await page.goto(`${hub.url}/tasks/${groupTaskId}`);
  const note = page.locator('[data-testid=disclosure-note]');
  await note.waitFor();
  const lines = await page.locator('[data-testid=disclosure-note-lines] li').allTextContents();
  // Biscoe's 44 Adelie penguins are under k = 50; one more group goes so that it does not follow from the total.
  assert.ok(
    lines.some((l) =>
      /^2 groups \(about \d+ rows\) withheld, keys included: 1 group with fewer than 50 rows, and 1 more/.test(l),
    ),
    JSON.stringify(lines),
  );
  assert.match(
    (await note.textContent()) ?? '',
    /groups of fewer than 50 rows are withheld, keys included/,
    "the runner's own note",
  );
  assert.is(await page.locator('[data-testid=table-groups] tbody tr').count(), 3, 'the withheld groups are not listed');
  assert.not.match((await page.locator('[data-testid=table-groups]').textContent()) ?? '', /Biscoe\s*Adelie/);
  await shot(page, 'page-task-disclosure-1280');
  assert.equal(
    errors.filter((e) => !/Failed to load resource.*(401|404)/.test(e)),
    [],
    'no console errors',
  );
});

test.run();
