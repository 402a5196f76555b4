// The analyst's journeys for every operation in real Chromium, with a real hub and real runners; screenshots of each page.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { launch, logIn, newPage, shot } from '../lib/browser.ts';
import { bigCsv, PATIENTS_CSV, readCsv } from '../lib/data.ts';
import { ADMIN_PASSWORD, HubProc } from '../lib/hub.ts';
import { HeldTable } from '../lib/pg-held.ts';
import { RunnerProc } from '../lib/runner.ts';

const t = suite('web journeys');
const patients = readCsv(PATIENTS_CSV);
const benign = (e: string) => /Failed to load resource.*(401|404)/.test(e);
let hub: HubProc;
let runner: RunnerProc;
let spare: RunnerProc;
let browser: Browser;
let held: HeldTable; // a table whose tasks run until the test lets go (pg-held.ts)

t.before(async () => {
  hub = await HubProc.start({ env: { SIMPUL_SITE_APPROVAL: 'auto' } }); // main and spare both serve patients
  held = await HeldTable.create('simpul_web');
  runner = await RunnerProc.start(hub, {
    name: 'main-runner',
    datasets: [{ name: 'patients', path: PATIENTS_CSV }, { name: 'big', path: await bigCsv() }, held.dataset()],
  });
  spare = await RunnerProc.start(hub, { name: 'spare-runner', datasets: [{ name: 'patients', path: PATIENTS_CSV }] });
  browser = await launch();
});
t.after(async () => {
  await browser?.close();
  await runner?.stop();
  await spare?.stop();
  await hub?.stop();
  await held?.drop();
});

async function start(width = 1280): Promise<{ page: Page; errors: string[] }> {
  const p = await newPage(browser, width, width < 600 ? 844 : 860);
  await logIn(p.page, hub.url, 'admin', ADMIN_PASSWORD);
  return p;
}

async function newTask(page: Page, dataset: string, op: RegExp) {
  await page.goto(`${hub.url}/new`);
  await page.getByLabel('Dataset').selectOption({ label: dataset });
  await page.getByRole('radio', { name: op }).check();
}

async function submitAndWait(page: Page, state = 'succeeded') {
  await page.getByRole('button', { name: 'Submit' }).click();
  await page.waitForURL(/\/tasks\//);
  await page.locator('[data-testid=task-status]').filter({ hasText: state }).waitFor({ timeout: 60_000 });
}

t('op 100: fetch rows, page through them', async () => {
  const { page, errors } = await start();
  await newTask(page, 'patients on main-runner', /Fetch rows/);
  await page.getByLabel('Limit', { exact: true }).fill('1000');
  await submitAndWait(page);
  const table = page.locator('[data-testid=result-table]');
  await table.waitFor();
  assert.match(await page.locator('[data-testid=result-summary]').innerText(), /5,?000/);
  const first = await table.locator('tbody tr[data-row]').first().innerText();
  assert.match(first, new RegExp(patients[0].patient_id));
  await shot(page, 'op100-result-1280');
  assert.equal(
    errors.filter((e) => !benign(e)),
    [],
  );
});

t('op 300 on a large dataset: the progress bar moves, then histograms appear', async () => {
  const { page, errors } = await start();
  await newTask(page, 'big on main-runner', /Analyse/);
  await page.locator('[data-testid=analysis-kind]').getByRole('radio', { name: 'Describe' }).check();
  await shot(page, 'new-describe-1280');
  await page.getByRole('button', { name: 'Submit' }).click();
  await page.waitForURL(/\/tasks\//);
  const seen = new Set<string>();
  const status = page.locator('[data-testid=task-status]');
  for (let i = 0; i < 600; i++) {
    const bar = page.locator('[data-testid=progress]');
    const v = (await bar.count()) ? await bar.getAttribute('aria-valuenow') : null;
    if (v !== null) seen.add(v);
    if ((await status.innerText()).includes('succeeded')) break;
    await page.waitForTimeout(50);
  }
  await status.filter({ hasText: 'succeeded' }).waitFor({ timeout: 60_000 });
  const moving = [...seen].map(Number).filter((v) => v > 0 && v < 100);
  assert.ok(moving.length >= 1, `saw the bar between 0 and 100 (values seen: ${[...seen].join(', ')})`);
  await page.locator('[data-testid=chart-histogram]').first().waitFor();
  assert.ok((await page.locator('[data-testid=chart-histogram]').count()) >= 3, 'a histogram per numeric column');
  await page.locator('[data-testid=table-describe]').waitFor();
  await shot(page, 'op300-describe-1280');
  assert.equal(
    errors.filter((e) => !benign(e)),
    [],
  );
});

t('op 300 logistic regression: ROC curve and confusion matrix, at phone width', async () => {
  const { page, errors } = await start(390);
  await newTask(page, 'patients on main-runner', /Analyse/);
  await page.locator('[data-testid=analysis-kind]').getByRole('radio', { name: 'Logistic regression' }).check();
  await page.getByLabel('Target').selectOption('diabetes');
  for (const f of ['age', 'bmi', 'systolic_bp'])
    await page.locator('[data-testid=features]').getByRole('checkbox', { name: f, exact: true }).check();
  await shot(page, 'new-logistic-390');
  await submitAndWait(page);
  await page.locator('[data-testid=chart-roc]').waitFor();
  await page.locator('[data-testid=chart-confusion]').waitFor();
  await page.locator('[data-testid=table-coefficients]').waitFor();
  await shot(page, 'op300-logistic-390');
  assert.equal(
    errors.filter((e) => !benign(e)),
    [],
  );
});

t('op 400: export CSV, download it, the bytes are the data', async () => {
  const { page, errors } = await start();
  await newTask(page, 'patients on main-runner', /Export/);
  await page.locator('[data-testid=export-source]').getByRole('radio', { name: 'The rows' }).check();
  await page.locator('[data-testid=export-format]').getByRole('radio', { name: 'CSV' }).check();
  await submitAndWait(page);
  const link = page.locator('[data-testid=download-export]');
  await link.waitFor();
  const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
  const file = await download.path();
  const bytes = readFileSync(file!);
  const text = bytes.toString('utf8');
  const lines = text.trim().split('\n');
  assert.is(lines.length, patients.length + 1, 'header + every row');
  assert.match(lines[0], /patient_id/);
  const info = await page.locator('[data-testid=download-export-info]').innerText();
  assert.match(info, /csv/i);
  const sha = createHash('sha256').update(bytes).digest('hex');
  assert.ok((await page.content()).includes(sha), "the page shows the file's SHA-256");
  await shot(page, 'op400-export-1280');
  assert.equal(
    errors.filter((e) => !benign(e)),
    [],
  );
});

t('cancel a running task from the tasks list', async () => {
  const { page } = await start();
  const lock = await held.hold();
  try {
    const c = await hub.api.post('/api/v1/tasks', {
      runner_id: await runner.id(),
      op: 200,
      params: { dataset: 'held', where: { column: 'n', op: '>', value: 7 }, limit: 5 },
    });
    await hub.api.waitTask(c.body.task_id, ['running']);
    await page.goto(`${hub.url}/tasks`);
    const row = page.locator(`[data-testid=task-row][data-task-id="${c.body.task_id}"]`);
    await row.waitFor();
    await shot(page, 'tasks-1280');
    await row.locator('[data-testid=cancel-task]').click();
    await row.locator('[data-testid=task-row-status]').filter({ hasText: 'canceled' }).waitFor({ timeout: 30_000 });
    assert.is((await hub.api.task(c.body.task_id)).status, 'canceled');
  } finally {
    await lock.release();
  }
});

t('a runner going offline flips its status live', async () => {
  const { page } = await start();
  const card = page.locator('[data-testid=runner][data-runner-name=spare-runner]');
  await card
    .locator('[data-testid=runner-status]')
    .filter({ hasText: /online|busy/ })
    .waitFor();
  await shot(page, 'runners-1280');
  const url = page.url();
  await spare.stop();
  await card.locator('[data-testid=runner-status]').filter({ hasText: 'offline' }).waitFor({ timeout: 30_000 });
  assert.is(page.url(), url, 'no reload');
  await shot(page, 'runners-offline-1280');
  // A task for the offline runner waits, and its page says for whom; one for a dataset nobody serves says that.
  const spareId = (await hub.runners()).find((r: { name: string }) => r.name === 'spare-runner').runner_id;
  const pinned = await hub.api.post('/api/v1/tasks', {
    op: 100,
    runner_id: spareId,
    params: { dataset: 'patients', limit: 1 },
  });
  await page.goto(`${hub.url}/tasks/${pinned.body.task_id}`);
  await page
    .getByTestId('task-waiting')
    .filter({ hasText: 'Waiting for runner spare-runner: it is offline or does not serve patients.' })
    .waitFor();
  const nobody = await hub.api.post('/api/v1/tasks', { op: 100, params: { dataset: 'patient', limit: 1 } });
  assert.match(nobody.body.warnings[0], /no runner serves dataset "patient".*did you mean "patients"\?/);
  await page.goto(`${hub.url}/tasks/${nobody.body.task_id}`);
  await page
    .getByTestId('task-waiting')
    .filter({ hasText: 'Waiting for a runner: no runner you can use serves patient.' })
    .waitFor();
  await shot(page, 'task-waiting-1280');
  for (const id of [pinned.body.task_id, nobody.body.task_id]) await hub.api.post(`/api/v1/tasks/${id}/cancel`);
  const phone = await start(390);
  await phone.page.goto(`${hub.url}/`);
  await shot(phone.page, 'runners-390');
  await phone.page.goto(`${hub.url}/tasks`);
  await shot(phone.page, 'tasks-390');
});

t.run();
