// The analyst's journey in real Chromium against a real hub and a real runner: log in, build a filter, see the rows.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser } from 'playwright-core';
import { launch, logIn, newPage, shot } from '../lib/browser.ts';
import { PATIENTS_CSV, readCsv } from '../lib/data.ts';
import { ADMIN_PASSWORD, HubProc } from '../lib/hub.ts';
import { RunnerProc } from '../lib/runner.ts';

const patients = readCsv(PATIENTS_CSV);
const expected = patients.filter((p) => Number(p.age) >= 80 && p.site === 'east').length;
const benign = (e: string) => /Failed to load resource.*401/.test(e);

let hub: HubProc;
let runner: RunnerProc;
let browser: Browser;

test.before(async () => {
  hub = await HubProc.start();
  runner = await RunnerProc.start(hub, { name: 'web-runner', datasets: [{ name: 'patients', path: PATIENTS_CSV }] });
  browser = await launch();
});
test.after(async () => {
  await browser?.close();
  await runner?.stop();
  await hub?.stop();
});

test("the built app's security headers: a script policy without inline scripts, no framing, no sniffing", async () => {
  const res = await fetch(`${hub.url}/tasks`);
  assert.is(res.status, 200);
  assert.match(await res.text(), /<div/, 'the web app, not an error page');
  const csp = res.headers.get('content-security-policy') ?? '';
  const script = /script-src ([^;]*)/.exec(csp)?.[1] ?? '';
  assert.ok(script.includes("'self'"), csp);
  assert.not.ok(/unsafe-inline|unsafe-eval/.test(script), `script-src without unsafe-inline or unsafe-eval: ${script}`);
  assert.match(script, /'sha256-/, "SvelteKit's one inline script is allowed by its hash");
  assert.match(csp, /frame-ancestors 'none'/);
  assert.is(res.headers.get('x-content-type-options'), 'nosniff');
  assert.is(res.headers.get('cross-origin-opener-policy'), 'same-origin', 'on a trustworthy origin (loopback here)');
});

test('Copy curl copies the request: on this page (Clipboard API) and on a plain-HTTP address, where that API is missing', async () => {
  // simpul.test resolves to this machine but is no "localhost": a page there is not a secure context, like a hub on a LAN.
  const port = new URL(hub.url).port;
  const lan = await launch(['--host-resolver-rules=MAP simpul.test 127.0.0.1']);
  try {
    for (const base of [hub.url, `http://simpul.test:${port}`]) {
      const { page, errors } = await newPage(lan);
      await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: hub.url }); // only a secure origin may have them
      await logIn(page, base, 'admin', ADMIN_PASSWORD);
      await page.goto(`${base}/new`);
      await page.getByLabel('Dataset').selectOption({ label: 'patients on web-runner' });
      const secure = await page.evaluate<boolean>('window.isSecureContext');
      assert.is(secure, base === hub.url, `${base}: secure context`);
      await page.getByRole('button', { name: 'Copy curl' }).click();
      await page.getByRole('button', { name: 'Copied' }).waitFor();
      const curl = await page.locator('[data-testid=curl-command]').innerText();
      // Read back through a secure page of the same browser context when this one may not read the clipboard itself.
      const reader = secure ? page : await page.context().newPage();
      if (!secure) await reader.goto(`${hub.url}/login`);
      assert.is(
        await reader.evaluate<string>('navigator.clipboard.readText()'),
        curl,
        `${base}: the clipboard holds the curl line`,
      );
      assert.match(curl, new RegExp(`^curl -sS -X POST '${base}/api/v1/tasks'`));
      assert.equal(
        errors.filter((e) => !benign(e)),
        [],
        `${base}: no console errors (no COOP header where browsers ignore it)`,
      );
      await page.context().close();
    }
  } finally {
    await lan.close();
  }
});

test('log in, submit a filter, see the result rows', async () => {
  const { page, errors } = await newPage(browser);
  await logIn(page, hub.url, 'admin', ADMIN_PASSWORD);
  const card = page.locator('[data-testid=runner][data-runner-name=web-runner]');
  await card
    .locator('[data-testid=runner-status]')
    .filter({ hasText: /online|busy/ })
    .waitFor();
  await shot(page, 'runners-1280');

  await page.getByRole('link', { name: 'New analysis' }).click();
  await page.getByLabel('Dataset').selectOption({ label: 'patients on web-runner' });
  await page.getByRole('radio', { name: /Filter/ }).check();
  await page.getByRole('button', { name: 'Add condition' }).click();
  const conds = page.locator('[data-testid=filter-condition]');
  await conds.nth(0).getByLabel('Column').selectOption('age');
  await conds.nth(0).getByLabel('Operator').selectOption('>=');
  await conds.nth(0).getByLabel('Value').fill('80');
  await page.getByRole('button', { name: 'Add condition' }).click();
  await conds.nth(1).getByLabel('Column').selectOption('site');
  await conds.nth(1).getByLabel('Operator').selectOption('=');
  await conds.nth(1).getByLabel('Value').fill('east');
  await page.getByLabel('Limit', { exact: true }).fill('500');
  const json = JSON.parse(await page.locator('[data-testid=request-json]').innerText());
  assert.equal(json.params.where, {
    and: [
      { column: 'age', op: '>=', value: 80 },
      { column: 'site', op: '=', value: 'east' },
    ],
  });
  await shot(page, 'new-filter-1280');
  await page.getByRole('button', { name: 'Submit' }).click();

  await page.waitForURL(/\/tasks\//);
  await page.locator('[data-testid=task-status]').filter({ hasText: 'succeeded' }).waitFor({ timeout: 30_000 });
  const table = page.locator('[data-testid=result-table]');
  await table.waitFor();
  assert.is(Number(await table.getAttribute('data-rows')), expected, `the table holds all ${expected} matching rows`);
  // Only the rows in view are drawn; scrolled to the end, the last one is.
  const drawn = table.locator('tbody tr[data-row]');
  assert.ok((await drawn.count()) > 0);
  await page.locator('[aria-label="Result rows"]').evaluate((el) => (el.scrollTop = el.scrollHeight));
  await table.locator(`tbody tr[aria-rowindex="${expected + 1}"]`).waitFor();
  assert.match(await page.locator('[data-testid=result-summary]').innerText(), new RegExp(String(expected)));
  await page.locator('[aria-label="Result rows"]').evaluate((el) => (el.scrollTop = 0));
  await shot(page, 'task-result-1280');
  assert.equal(
    errors.filter((e) => !benign(e)),
    [],
    'no console errors',
  );
});

test('a value that does not fit the column is caught in the form', async () => {
  const { page } = await newPage(browser, 390, 844);
  await logIn(page, hub.url, 'admin', ADMIN_PASSWORD);
  await page.goto(`${hub.url}/new`);
  await page.getByLabel('Dataset').selectOption({ label: 'patients on web-runner' });
  await page.getByRole('radio', { name: /Filter/ }).check();
  await page.getByRole('button', { name: 'Add condition' }).click();
  const cond = page.locator('[data-testid=filter-condition]').first();
  await cond.getByLabel('Column').selectOption('age');
  await cond.getByLabel('Operator').selectOption('>');
  await cond.getByLabel('Value').fill('old');
  await page.getByRole('button', { name: 'Submit' }).click();
  await page.locator('[aria-invalid=true]').first().waitFor();
  assert.ok(page.url().endsWith('/new'), 'the bad request was not sent');
  const before = (await hub.api.get('/api/v1/tasks')).body.tasks.length;
  assert.is(before, 1, 'only the first test created a task');
  await shot(page, 'new-bad-value-390');
});

test.run();
