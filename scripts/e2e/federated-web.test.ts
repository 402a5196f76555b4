// The study pages in real Chromium: start a study from the form, watch it finish, read its tree, result and per-site
// breakdown. Four runners serve "patients": three slices, and one whose policy refuses analyses (op 300).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser } from 'playwright-core';
import { launch, logIn, newPage, shot } from '../lib/browser.ts';
import { PATIENTS_CSV } from '../lib/data.ts';
import { splitCsv } from '../lib/federated.ts';
import { ADMIN_PASSWORD, HubProc } from '../lib/hub.ts';
import { RunnerProc } from '../lib/runner.ts';

const files = splitCsv(PATIENTS_CSV);
let hub: HubProc;
const runners: RunnerProc[] = [];
let browser: Browser;

test.before(async () => {
  hub = await HubProc.start({ name: 'fedweb-hub', env: { SIMPUL_SITE_APPROVAL: 'auto' } }); // four sites of one name, no approvals
  for (const [i, path] of files.entries())
    runners.push(
      await RunnerProc.start(hub, { name: `fedweb-${'abc'[i]}`, datasets: [{ name: 'patients', path }] }, false),
    );
  runners.push(
    await RunnerProc.start(
      hub,
      { name: 'fedweb-d', datasets: [{ name: 'patients', path: files[0], policy: { allow_ops: [100] } }] },
      false,
    ),
  );
  for (const r of runners) await hub.waitRunnerOnline(r.opts.name, true, 180_000);
  browser = await launch();
});

test.after(async () => {
  await browser?.close();
  await Promise.all(runners.map((r) => r.stop()));
  await hub?.stop();
});

test('start a study from the form; the page shows the fan-out tree, the combined fit and each site', async () => {
  const { page, errors } = await newPage(browser);
  await logIn(page, hub.url, 'admin', ADMIN_PASSWORD);
  await page.getByRole('link', { name: 'Studies' }).click();
  await page.getByRole('link', { name: 'New study' }).click();
  await page.getByLabel('Dataset').selectOption({ label: 'patients — 4 runners (4 online)' });
  await page.getByRole('radio', { name: /Linear regression/ }).check();
  await page.getByLabel('Target (to predict)').selectOption('systolic_bp');
  const features = page.locator('[data-testid=study-features]');
  await features.getByRole('checkbox', { name: 'age', exact: true }).check();
  await features.getByRole('checkbox', { name: 'bmi', exact: true }).check();
  await page.getByRole('radio', { name: /^quorum/ }).check();
  await page.getByRole('button', { name: 'Start study' }).click();

  await page.waitForURL(/\/studies\/std_/);
  await page.locator('[data-testid=study-status]', { hasText: 'succeeded' }).waitFor({ timeout: 120_000 });
  // The tree: one round, one sub-task per runner; the refusing runner is shown with its error.
  const leaves = page.locator('[data-testid=tree-task]');
  await leaves.first().waitFor();
  assert.is(await leaves.count(), 4);
  assert.is(await page.locator('[data-testid=tree-task][data-outcome=delivered]').count(), 3);
  const refused = page.locator('[data-testid=tree-task][data-runner=fedweb-d]');
  assert.is(await refused.getAttribute('data-outcome'), 'failed');
  assert.match((await refused.locator('[data-testid=tree-error]').textContent()) ?? '', /policy_denied/);
  // The combined fit, with its chart, and the warning naming who left.
  const coef = page.locator('[data-testid=study-coefficients]');
  assert.match((await coef.textContent()) ?? '', /\(intercept\).*age.*bmi/s);
  await page.locator('[data-testid=study-coefficient-chart] canvas').waitFor();
  assert.match(
    (await page.locator('[data-testid=study-warnings]').textContent()) ?? '',
    /fedweb-d .* left the study in round 1/,
  );
  // Per site: each slice's own fit.
  const perSite = (await page.locator('[data-testid=per-site-coefficients]').textContent()) ?? '';
  for (const name of ['fedweb-a', 'fedweb-b', 'fedweb-c'])
    assert.ok(perSite.includes(name), `${name} in the per-site table`);
  await shot(page, 'study-linear-1280');

  // The list shows it, and a narrow screen still reads.
  await page.getByRole('link', { name: 'Studies' }).click();
  await page.locator('[data-testid=study-row][data-status=succeeded]').first().waitFor();
  await page.setViewportSize({ width: 390, height: 800 });
  await page.goBack();
  await page.locator('[data-testid=study-tree]').waitFor();
  await shot(page, 'study-linear-390');
  assert.equal(errors, []);
});

test.run();
