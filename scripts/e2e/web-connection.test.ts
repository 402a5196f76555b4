// Losing the hub, in Chromium at 1280 and 390 px: a task page open while the hub stops shows a full-width banner, its
// running state marked stale and its timer stopped; other pages say the hub is unreachable (never "Internal Error");
// once the hub is back on the same port and database the banner goes, the messages clear and the page is live again.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser, Page } from 'playwright-core';
import { launch, logIn, newPage, shot } from '../lib/browser.ts';
import { ADMIN_PASSWORD, HubProc } from '../lib/hub.ts';
import { HeldTable } from '../lib/pg-held.ts';
import { sleep, waitFor } from '../lib/procs.ts';
import { RunnerProc } from '../lib/runner.ts';

const t = suite('web connection state');
// While the hub is down the browser itself reports the refused requests and socket attempts; those are the point of
// the test, not errors of the app. Anything else fails it.
const hubDown = (e: string) =>
  /Failed to load resource: net::ERR_(CONNECTION_REFUSED|CONNECTION_RESET|EMPTY_RESPONSE|SOCKET_NOT_CONNECTED)|WebSocket connection to .* failed|Failed to load resource.*401/.test(
    e,
  );
let hub: HubProc;
let runner: RunnerProc;
let browser: Browser;
let held: HeldTable; // the task's query waits on this table's lock until the test lets go

t.before(async () => {
  hub = await HubProc.start();
  held = await HeldTable.create('simpul_conn');
  runner = await RunnerProc.start(hub, { name: 'conn-runner', datasets: [held.dataset()] });
  browser = await launch();
});
t.after(async () => {
  await browser?.close();
  await runner?.stop();
  await hub?.stop();
  await held?.drop();
});

const bodyText = (page: Page) => page.locator('main').innerText();
const elapsed = (page: Page) => page.locator('dt:text-is("Elapsed") + dd').innerText();

async function noFailurePage(page: Page, where: string) {
  const text = await bodyText(page);
  assert.not.match(text, /Internal Error|Something went wrong/, `${where}: ${text}`);
}

for (const width of [1280, 390]) {
  t(`${width} px: hub stops while a task runs, then comes back`, async () => {
    const { page, errors } = await newPage(browser, width, width < 600 ? 844 : 860);
    await logIn(page, hub.url, 'admin', ADMIN_PASSWORD);
    const lock = await held.hold();
    try {
      const c = await hub.api.post('/api/v1/tasks', {
        runner_id: await runner.id(),
        op: 200,
        params: { dataset: 'held', where: { column: 'n', op: '>', value: 7 }, limit: 5 },
      });
      const id: string = c.body.task_id;
      await hub.api.waitTask(id, ['running']);
      await page.goto(`${hub.url}/tasks/${id}`);
      const status = page.getByTestId('task-status');
      await status.filter({ hasText: 'running' }).waitFor();
      await page.getByTestId('live-state').filter({ hasText: 'Live' }).waitFor();
      assert.is(await page.getByTestId('hub-offline').count(), 0, 'no banner while the hub answers');
      await page.locator('html[data-pages-loaded]').waitFor({ state: 'attached' }); // every page's code is in

      // The hub goes away: the banner, a stale running state, a stopped timer.
      await hub.kill9();
      const banner = page.getByTestId('hub-offline');
      await banner.waitFor({ timeout: 10_000 });
      const box = await banner.boundingBox();
      assert.ok(box && box.width >= width - 1, `the banner spans the page (${box?.width} of ${width} px)`);
      await status.getByTestId('stale').waitFor();
      await page.getByTestId('task-stale').waitFor();
      const frozen = await elapsed(page);
      await sleep(2200);
      assert.is(await elapsed(page), frozen, 'the elapsed time stands still while the hub is away');
      assert.is(await page.locator('[data-testid=progress].stale').count(), 1, 'the progress bar is marked stale');
      await shot(page, `connection-offline-task-${width}`);

      // Other pages open, and say the hub is unreachable in words.
      // (Links within the app: a full page load cannot work without the hub that serves the app.)
      for (const [label, path] of [
        ['Tasks', '/tasks'],
        ['Studies', '/studies'],
        ['New analysis', '/new'],
      ] as const) {
        await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: label }).click();
        await page.waitForURL((u) => u.pathname === path);
        await page.locator('main h1').first().waitFor();
        await noFailurePage(page, path);
        await banner.waitFor();
      }
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Tasks' }).click();
      await page.getByText('Could not reach the hub').first().waitFor({ timeout: 10_000 });
      await shot(page, `connection-offline-tasks-${width}`);
      await page.locator(`[data-testid=task-row][data-task-id="${id}"] a`).first().click();
      await page.waitForURL((u) => u.pathname === `/tasks/${id}`);
      await status.getByTestId('stale').waitFor();
      // An action needs the hub: it says so, and the message goes once the hub is back.
      await page.getByTestId('rerun-task').click();
      await page.locator('main').getByText('Could not reach the hub').waitFor();

      // The hub is back on the same port and database: the banner goes, the page is live again.
      await hub.launch();
      await banner.waitFor({ state: 'detached', timeout: 20_000 });
      await page.getByTestId('live-state').filter({ hasText: 'Live' }).waitFor();
      assert.is(await status.getByTestId('stale').count(), 0, 'no stale mark once the hub is back');
      await page.locator('main').getByText('Could not reach the hub').waitFor({ state: 'detached' });
      // The timer runs again: it ticks once a second, but a loaded machine delays a page's timers, so allow some seconds.
      const ticking = await elapsed(page);
      await waitFor(async () => (await elapsed(page)) !== ticking, `the timer to move on from ${ticking}`, 8000, 200);
      await shot(page, `connection-back-task-${width}`);
      await lock.release();
      await status.filter({ hasText: 'succeeded' }).waitFor({ timeout: 60_000 });
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Tasks' }).click();
      await page.locator(`[data-testid=task-row][data-task-id="${id}"]`).waitFor();
      assert.not.match(await bodyText(page), /Could not reach the hub/);
      await shot(page, `connection-back-tasks-${width}`);
    } finally {
      await lock.release();
    }
    assert.equal(
      errors.filter((e) => !hubDown(e)),
      [],
    );
  });
}

t.run();
