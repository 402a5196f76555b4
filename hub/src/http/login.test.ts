// Login against a real hub over HTTP (issue #16, attacks 4 and 5): only JSON, never from a foreign Origin, and a
// lockout that concurrency cannot outrun. The browser side of attack 4 is scripts/e2e/trust-web.test.ts.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { addUser, startTestHub, type TestHub } from '../testing/support.ts';
import { call } from '../testing/http.ts';

const test = suite<{ hub: TestHub }>('login', {} as { hub: TestHub });
test.before(async (c) => {
  c.hub = await startTestHub({ SIMPUL_LOGIN_MAX_FAILURES: '5', SIMPUL_LOGIN_MAX_FAILURES_PER_ADDRESS: '1000' });
  await addUser(c.hub.ctx, 'ana');
  await addUser(c.hub.ctx, 'eve');
});
test.after(async (c) => {
  await c.hub.cleanup();
});

const body = JSON.stringify({ username: 'eve', password: 'eve-password' });

test('attack 4: a text/plain form post (what a foreign page can send without asking) logs nobody in', async ({
  hub,
}) => {
  const plain = await call(hub.url, 'POST', '/api/v1/auth/login', {
    raw: body,
    headers: { 'content-type': 'text/plain' },
  });
  assert.is(plain.status, 415);
  assert.is(plain.body.error.code, 'bad_request');
  assert.is(plain.headers.get('set-cookie'), null);
  const form = await call(hub.url, 'POST', '/api/v1/auth/login', {
    raw: 'username=eve&password=eve-password',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  assert.is(form.status, 415);
});

test("attack 4: a JSON login from a foreign Origin is refused; the hub's own Origin and scripts (no Origin) log in", async ({
  hub,
}) => {
  const foreign = await call(hub.url, 'POST', '/api/v1/auth/login', {
    raw: body,
    headers: { origin: 'http://evil.example' },
  });
  assert.is(foreign.status, 403);
  assert.is(foreign.body.error.code, 'forbidden');
  assert.is(foreign.headers.get('set-cookie'), null);
  assert.is(
    (await call(hub.url, 'POST', '/api/v1/auth/login', { raw: body, headers: { origin: hub.url } })).status,
    200,
  );
  assert.is(
    (
      await call(hub.url, 'POST', '/api/v1/auth/login', {
        raw: body,
        headers: { 'content-type': 'application/json; charset=utf-8' },
      })
    ).status,
    200,
  );
});

test('attack 5: 40 concurrent logins for one account (39 wrong, 1 right) compare at most 5 passwords', async ({
  hub,
}) => {
  const tries = Array.from({ length: 40 }, (_, i) => (i === 20 ? 'ana-password' : `wrong-${i}`));
  const replies = await Promise.all(
    tries.map((password) => call(hub.url, 'POST', '/api/v1/auth/login', { body: { username: 'ana', password } })),
  );
  const count = (s: number) => replies.filter((r) => r.status === s).length;
  const compared = count(401) + count(200);
  assert.ok(
    compared <= 5,
    `${count(401)} × 401 and ${count(200)} × 200: ${compared} passwords compared, the limit is 5`,
  );
  assert.is(count(429), 40 - compared);
  assert.ok(count(401) <= 5);
});

test.run();
