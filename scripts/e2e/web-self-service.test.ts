// Self-service and user administration in real Chromium against a real hub (issue #18), at 1280 px and on a 390 px
// phone: a personal API token is created, shown once, works with fetch, is revoked and then refused; an admin disables a
// user whose open page loses its session at once, enables them again, changes their role and deletes them; a single-use
// enrolment key with an expiry is created and listed. Screenshots: test-artifacts/screenshots/self-service-*.png.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser, Page } from 'playwright-core';
import { launch, logIn, newPage, shot } from '../lib/browser.ts';
import { ADMIN_PASSWORD, HubProc } from '../lib/hub.ts';

// The page's globals, for the functions that run in Chromium (scripts compile without the DOM library).
declare const document: { documentElement: { scrollWidth: number } }, window: { innerWidth: number };
declare function fetch(url: string, init: unknown): Promise<{ status: number; json(): Promise<any> }>;

let hub: HubProc;
let browser: Browser;

test.before(async () => {
  hub = await HubProc.start({ name: 'self-service-hub' });
  browser = await launch();
});
test.after(async () => {
  await browser?.close();
  await hub?.stop();
});

const overflow = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
const consoleErrors = (errors: string[]) => errors.filter((e) => !/Failed to load resource.*(401|404)/.test(e));

/** `GET /api/v1/auth/me` from the page with only the bearer token (no cookie): the status and the reply. */
const meWith = (page: Page, token: string) =>
  page.evaluate(async (t) => {
    const r = await fetch('/api/v1/auth/me', { headers: { authorization: `Bearer ${t}` }, credentials: 'omit' });
    return { status: r.status, body: await r.json() };
  }, token);

async function fits(page: Page, what: string, width: number) {
  const wider = await overflow(page);
  assert.ok(wider <= 0, `${what} at ${width} px is ${wider} px wider than the screen`);
}

for (const width of [1280, 390]) {
  const height = width === 390 ? 844 : 860;

  test(`${width} px: a personal API token is shown once, works as a bearer, and is refused once revoked`, async () => {
    const { page, errors } = await newPage(browser, width, height);
    await logIn(page, hub.url, 'admin', ADMIN_PASSWORD);
    await page.getByTestId('user-menu').click();
    await page.getByTestId('tokens-link').click();
    await page.getByRole('heading', { level: 1, name: 'API tokens' }).waitFor();
    await fits(page, 'the tokens page', width);
    await shot(page, `self-service-tokens-${width}`);

    const name = `notebook-${width}`;
    await page.getByLabel('New token name').fill(name);
    await page.getByLabel('Expires after').selectOption({ label: '90 days' });
    await page.getByRole('button', { name: 'Create token' }).click();
    const shown = page.getByTestId('new-token');
    await shown.waitFor();
    assert.match((await shown.textContent()) ?? '', /you will not see it again/);
    const secret = ((await page.getByTestId('new-token-value').textContent()) ?? '').trim();
    assert.match(secret, /^smp_/);
    await page.getByTestId('new-token-copy').click();
    await fits(page, 'the new token', width);
    await shot(page, `self-service-token-once-${width}`);

    const me = await meWith(page, secret);
    assert.is(me.status, 200);
    assert.is(me.body.username, 'admin');

    await page.getByTestId('new-token-done').click();
    await page.reload();
    const row = page.locator(`[data-testid=token-row][data-name="${name}"]`);
    await row.waitFor();
    assert.not.match((await page.content()) ?? '', new RegExp(secret), 'the secret is not shown again');
    assert.match((await row.textContent()) ?? '', /active/);
    assert.not.match((await row.textContent()) ?? '', /never/, 'it expires');

    await row.getByTestId('revoke-token').click();
    await row.getByTestId('revoke-token-confirm').click();
    await row.getByTestId('token-state').filter({ hasText: 'revoked' }).waitFor();
    const after = await meWith(page, secret);
    assert.is(after.status, 401);
    await shot(page, `self-service-token-revoked-${width}`);
    assert.equal(consoleErrors(errors), [], 'no console errors');
    await page.context().close();
  });

  test(`${width} px: an admin disables a user (their open page loses its session), enables, re-roles, deletes`, async () => {
    const username = `eve-${width}`;
    const made = await hub.api.post('/api/v1/users', { username, password: 'eve-password-1', role: 'analyst' });
    assert.is(made.status, 201);
    const eve = await newPage(browser, width, height);
    await logIn(eve.page, hub.url, username, 'eve-password-1');
    await eve.page.getByTestId('live-state').filter({ hasText: 'Live' }).waitFor();

    const { page, errors } = await newPage(browser, width, height);
    await logIn(page, hub.url, 'admin', ADMIN_PASSWORD);
    await page.goto(`${hub.url}/admin/users`);
    const row = page.locator(`[data-testid=user-row][data-username="${username}"]`);
    await row.waitFor();
    await fits(page, 'the users page', width);
    await shot(page, `self-service-users-${width}`);

    await row.getByTestId('disable-user').click();
    await row.getByTestId('disable-user-confirm').click();
    await row.getByTestId('user-state').filter({ hasText: 'disabled' }).waitFor();
    // Eve's page hears the hub close its socket, cannot reconnect, and goes to the login page.
    await eve.page.waitForURL((u) => u.pathname === '/login');
    await shot(eve.page, `self-service-disabled-user-${width}`);
    const refused = await hub.api.post('/api/v1/auth/login', { username, password: 'eve-password-1' }, { token: null });
    assert.is(refused.status, 401);
    assert.match(refused.body.error.message, /disabled/);
    await fits(page, 'the users page with a disabled user', width);
    await shot(page, `self-service-user-disabled-${width}`);

    await row.getByTestId('enable-user').click();
    await row.getByTestId('user-state').filter({ hasText: 'active' }).waitFor();
    assert.is(
      (await hub.api.post('/api/v1/auth/login', { username, password: 'eve-password-1' }, { token: null })).status,
      200,
    );

    await row.getByTestId('toggle-role').click();
    await row.getByTestId('user-role').filter({ hasText: 'admin' }).waitFor();
    await row.getByTestId('toggle-role').click();
    await row.getByTestId('user-role').filter({ hasText: 'analyst' }).waitFor();

    // The admin's own row offers none of this.
    const own = page.locator('[data-testid=user-row][data-username="admin"]');
    assert.is(await own.getByTestId('delete-user').count(), 0);

    await row.getByTestId('delete-user').click();
    await row.getByTestId('delete-user-confirm').click();
    await page.getByTestId('user-notice').filter({ hasText: 'deleted' }).waitFor();
    assert.is(await row.count(), 0);
    await page.reload();
    await own.waitFor();
    assert.is(await page.locator(`[data-testid=user-row][data-username="${username}"]`).count(), 0);

    assert.equal(consoleErrors(errors), [], 'no console errors on the admin page');
    assert.equal(consoleErrors(eve.errors), [], 'no console errors on the disabled user’s page');
    await eve.page.context().close();
    await page.context().close();
  });

  test(`${width} px: a single-use enrolment key with an expiry is created and listed`, async () => {
    const { page, errors } = await newPage(browser, width, height);
    await logIn(page, hub.url, 'admin', ADMIN_PASSWORD);
    await page.goto(`${hub.url}/admin/keys`);
    const name = `ward-${width}`;
    await page.getByLabel('New key name').fill(name);
    await page.getByLabel('Expires after').selectOption({ label: '30 days' });
    await page.getByTestId('key-single-use').check();
    await page.getByRole('button', { name: 'Create key' }).click();
    await page.getByTestId('new-key').waitFor();
    assert.match(((await page.getByTestId('new-key-value').textContent()) ?? '').trim(), /^sme_/);
    const row = page.locator('[data-testid=key-row]').filter({ hasText: name });
    await row.waitFor();
    assert.match((await row.getByTestId('key-use').textContent()) ?? '', /single use/);
    assert.not.match((await row.getByTestId('key-expires').textContent()) ?? '', /never/);
    const listed = await hub.api.get('/api/v1/enrollment-keys');
    const key = listed.body.keys.find((k: { name: string }) => k.name === name);
    assert.is(key.single_use, true);
    const days = (Date.parse(key.expires_at) - Date.parse(key.created_at)) / 86_400_000;
    assert.is(Math.round(days), 30);
    await fits(page, 'the keys page', width);
    await shot(page, `self-service-keys-${width}`);
    assert.equal(consoleErrors(errors), [], 'no console errors');
    await page.context().close();
  });
}

test.run();
