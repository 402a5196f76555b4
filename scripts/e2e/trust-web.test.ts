// Browser attacks of issue #16 in real Chromium against a real hub: login CSRF from a foreign page (attack 4), and a
// /web socket that outlives its session (attack 6); and the admin's page of pending dataset sites.
import { createServer, type Server } from 'node:http';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser, WebSocket as PwWebSocket } from 'playwright-core';
import { PROTOCOL_VERSION } from '@simpul/protocol';
import { Api } from '../lib/api.ts';
import { launch, logIn, newPage } from '../lib/browser.ts';
import { ADMIN_PASSWORD, ENROLLMENT_KEY, HubProc } from '../lib/hub.ts';
import { freePort, sleep, waitFor } from '../lib/procs.ts';

let hub: HubProc;
let browser: Browser;
let foreign: Server;
let foreignUrl: string;
const EVE = { username: 'eve', password: 'eve-password-1' };
const ANA = { username: 'ana', password: 'ana-password-1' };

/** Another site's page: a form that posts the attacker's credentials to the hub's login as text/plain, on load. */
function csrfPage(hubUrl: string): string {
  const name = JSON.stringify({ ...EVE, pad: '' }).slice(0, -2); // `{"username":…,"pad":` + `=` + `"}` is JSON again
  return `<!doctype html><html><body>
<form method="POST" action="${hubUrl}/api/v1/auth/login" enctype="text/plain"><input name='${name}' value='"}'></form>
<script>document.forms[0].submit()</script></body></html>`;
}

test.before(async () => {
  hub = await HubProc.start({ name: 'trust-web-hub' });
  for (const u of [EVE, ANA]) assert.is((await hub.api.post('/api/v1/users', { ...u, role: 'analyst' })).status, 201);
  const port = await freePort();
  foreignUrl = `http://127.0.0.1:${port}`;
  foreign = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(csrfPage(hub.url)));
  await new Promise<void>((r) => foreign.listen(port, '127.0.0.1', r));
  browser = await launch();
});

test.after(async () => {
  await browser?.close();
  foreign?.close();
  await hub?.stop();
});

test("attack 4: a foreign page's auto-submitting text/plain form does not log the browser in as the attacker", async () => {
  const { page } = await newPage(browser);
  const answered = page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/login'));
  await page.goto(foreignUrl);
  const res = await answered;
  assert.ok(res.status() === 415 || res.status() === 403, `login answered ${res.status()}`);
  const cookies = await page.context().cookies(hub.url);
  assert.not.ok(
    cookies.some((c) => c.name === 'simpul_session'),
    JSON.stringify(cookies),
  );
  const me = await page.request.get(`${hub.url}/api/v1/auth/me`);
  assert.is(me.status(), 401, 'the browser is not logged in as anyone');
  await page.context().close();
});

test('attack 6: after an admin resets the password, the open /web socket closes and hears no more task updates', async () => {
  const { page } = await newPage(browser);
  // Each socket the page opens: when, whether the hub accepted it on /web, whether it is closed yet.
  const sockets: { ws: PwWebSocket; openedAt: number; connected: boolean; closed: boolean }[] = [];
  const frames: { at: number; text: string }[] = [];
  let closedAt = 0;
  let resetAt = Infinity;
  page.on('websocket', (ws) => {
    const s = { ws, openedAt: Date.now(), connected: false, closed: false };
    sockets.push(s);
    ws.on('framereceived', (f) => {
      const text = String(f.payload);
      if (text.startsWith('40/web')) s.connected = true;
      frames.push({ at: Date.now(), text });
    });
    ws.on('close', () => {
      s.closed = true;
      if (Date.now() >= resetAt) closedAt ||= Date.now();
    });
  });
  // Logged in through the page's own request context (its cookie jar): one page load, so every socket seen is the
  // tasks page's (a page left behind by a navigation does not always report its socket's close).
  assert.is((await page.request.post(`${hub.url}/api/v1/auth/login`, { data: ANA })).status(), 200);
  const since = Date.now();
  await page.goto(`${hub.url}/tasks`);
  const live = () => sockets.find((s) => s.openedAt >= since && s.connected && !s.closed);
  await waitFor(async () => live() !== undefined, "the tasks page's /web socket to connect", 30_000);

  // A task of ana's (created through another of her sessions): her page hears about it.
  const script = new Api(hub.url);
  await script.login(ANA.username, ANA.password);
  const t = await script.post('/api/v1/tasks', { op: 100, params: { dataset: 'nowhere', limit: 1 } });
  assert.is(t.status, 201);
  const taskId: string = t.body.task_id;
  await waitFor(
    async () => frames.some((f) => f.text.includes('task:update') && f.text.includes(taskId)),
    'the page to hear of the task',
    20_000,
  );

  const users = await hub.api.get('/api/v1/users');
  const anaId = users.body.users.find((u: { username: string }) => u.username === ANA.username).user_id;
  resetAt = Date.now();
  assert.is((await hub.api.post(`/api/v1/users/${anaId}/password`, { password: 'a-brand-new-password' })).status, 200);
  // The session would live for days yet: a close now is the reset's doing (no timing asserted: shared machines).
  await waitFor(async () => closedAt > 0 && live() === undefined, 'the socket to close', 20_000);
  assert.is((await page.request.get(`${hub.url}/api/v1/auth/me`)).status(), 401);

  // The task changes (an admin cancels it): nothing about it reaches the page any more.
  assert.is((await hub.api.post(`/api/v1/tasks/${taskId}/cancel`)).status, 200);
  await sleep(1500);
  const late = frames.filter((f) => f.at > closedAt && f.text.includes(taskId));
  assert.equal(
    late.map((f) => f.text.slice(0, 120)),
    [],
    'no task:update (with its params) after the session ended',
  );
  await page.context().close();
});

test('the admin runners page lists pending sites; Approve makes one a site, Reject refuses another', async () => {
  const reg = async (name: string) => {
    const r = await new Api(hub.url).post(
      '/api/v1/register',
      {
        enrollment_key: ENROLLMENT_KEY,
        name,
        protocol_version: PROTOCOL_VERSION,
        datasets: [{ name: 'wards', columns: [], row_count: 1 }],
      },
      { token: null },
    );
    assert.is(r.status, 201, JSON.stringify(r.body));
    return r.body.runner_id as string;
  };
  await reg('wards-first');
  const [second, third] = [await reg('wards-second'), await reg('wards-third')];
  const { page, errors } = await newPage(browser);
  await logIn(page, hub.url, 'admin', ADMIN_PASSWORD);
  await page.goto(`${hub.url}/admin/runners`);
  const item = (name: string) =>
    page.locator(`[data-testid=pending-site][data-runner-name=${name}][data-dataset=wards]`);
  await item('wards-second').waitFor();
  await item('wards-third').waitFor();
  assert.is(
    await page.locator('[data-testid=pending-site][data-runner-name=wards-first]').count(),
    0,
    'the first runner of a name is its site',
  );
  await item('wards-second').getByTestId('approve-site').click();
  await item('wards-second').waitFor({ state: 'detached' });
  await item('wards-third').getByTestId('reject-site').click();
  await item('wards-third').waitFor({ state: 'detached' });
  const status = async (id: string) => (await hub.api.get(`/api/v1/runners/${id}`)).body.datasets[0].site_status;
  assert.equal([await status(second), await status(third)], ['approved', 'rejected']);
  assert.equal(errors, []);
  await page.context().close();
});

test.run();
