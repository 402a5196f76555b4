// Input and rate limits: login lockout with backoff, tasks per minute, long-polls per runner, body size and nesting.
import { suite, test as plain } from 'uvu';
import * as assert from 'uvu/assert';
import { addUser, startTestHub, waitFor, type TestHub } from '../testing/support.ts';
import { call, login, register } from '../testing/http.ts';
import { LoginLimiter, TaskBucket } from './limits.ts';
import type { SecurityConfig } from './security-config.ts';

const cfg = (over: Partial<SecurityConfig> = {}): SecurityConfig => ({
  tokenOverlapMs: 0,
  loginMaxFailures: 3,
  loginMaxFailuresPerAddress: 10,
  loginLockoutMaxMs: 8000,
  tasksPerMinute: 60,
  longPollsPerRunner: 4,
  siteApproval: 'first_use',
  runnerEventRateScale: 1,
  ...over,
});

plain('login lockout: free failures, then 1 s, 2 s, 4 s … up to the cap; a success clears the account only', () => {
  const l = new LoginLimiter(cfg());
  const t0 = 1_000_000;
  const lockedFor = (user: string, ip: string, now: number) => {
    try {
      l.check(user, ip, now);
      return 0;
    } catch (e) {
      return (e as { retryAfterS: number }).retryAfterS;
    }
  };
  for (let i = 0; i < 3; i++) l.failed('Ana', '10.0.0.1', t0);
  assert.is(lockedFor('ana', '10.0.0.2', t0), 1, 'the account, whatever the case and the address');
  assert.is(lockedFor('ana', '10.0.0.2', t0 + 1000), 0);
  l.failed('ana', '10.0.0.1', t0 + 1000);
  assert.is(lockedFor('ana', '10.0.0.3', t0 + 1000), 2);
  l.failed('ana', '10.0.0.1', t0 + 3000);
  assert.is(lockedFor('ana', '10.0.0.3', t0 + 3000), 4);
  for (let i = 0; i < 5; i++) l.failed('ana', '10.0.0.1', t0 + 10_000);
  assert.is(lockedFor('ana', '10.0.0.3', t0 + 10_000), 8, 'capped');
  assert.is(lockedFor('ana', '10.0.0.3', t0 + 10_000 + 16 * 60_000), 0, 'forgotten after the window');
  l.succeeded('ana');
  assert.is(lockedFor('ana', '10.0.0.9', t0 + 10_000), 0);
  assert.ok(lockedFor('bob', '10.0.0.1', t0 + 10_000) > 0, 'the address stays locked: 10 failures came from it');
});

plain('tasks per minute: a full minute may come at once, then it refills; a batch counts every task', () => {
  const b = new TaskBucket(60);
  b.take('u', 50, 0);
  assert.throws(() => b.take('u', 20, 0), /try again in 10 s/);
  b.take('u', 20, 10_000);
  assert.throws(() => b.take('u', 61, 10_000), /split it/);
  b.take('other', 60, 0);
  new TaskBucket(0).take('u', 100_000, 0);
});

plain.run();

const test = suite<{ hub: TestHub }>('limits over HTTP', {} as { hub: TestHub });
test.before(async (c) => {
  c.hub = await startTestHub({
    SIMPUL_LOGIN_MAX_FAILURES: '3',
    SIMPUL_LOGIN_MAX_FAILURES_PER_ADDRESS: '6',
    SIMPUL_LOGIN_LOCKOUT_MAX_S: '2',
    SIMPUL_TASKS_PER_MINUTE: '5',
    SIMPUL_LONG_POLLS_PER_RUNNER: '2',
  });
  for (const u of ['ana', 'bob']) await addUser(c.hub.ctx, u);
});
test.after(async (c) => {
  await c.hub.cleanup();
});

const tryLogin = (hub: TestHub, username: string, password: string) =>
  call(hub.url, 'POST', '/api/v1/auth/login', { body: { username, password } });

test('a locked account gets 429 with Retry-After even with the right password, then logs in', async ({ hub }) => {
  for (let i = 0; i < 3; i++) assert.is((await tryLogin(hub, 'ana', 'wrong')).status, 401);
  const locked = await tryLogin(hub, 'ana', 'ana-password');
  assert.is(locked.status, 429);
  assert.is(locked.body.error.code, 'rate_limited');
  assert.match(locked.body.error.message, /too many failed logins for this account: try again in \d+ s/);
  assert.ok(Number(locked.headers.get('retry-after')) >= 1);
  await waitFor(
    'the lockout to end',
    async () => (await tryLogin(hub, 'ana', 'ana-password')).status === 200,
    10_000,
    250,
  );
  const audit = await hub.db.selectFrom('audit_log').select('action').where('action', '=', 'login.locked').execute();
  assert.ok(audit.length >= 1);
});

test('an address that keeps failing is locked out whatever the username', async ({ hub }) => {
  // The address already failed 3 times above (as ana): 3 more, under names that never failed, lock it.
  for (const u of ['x1', 'x2', 'x3']) assert.is((await tryLogin(hub, u, 'nope')).status, 401);
  const r = await tryLogin(hub, 'bob', 'bob-password');
  assert.is(r.status, 429);
  assert.match(r.body.error.message, /from your address/);
  await waitFor(
    'the address lockout to end',
    async () => (await tryLogin(hub, 'bob', 'bob-password')).status === 200,
    10_000,
    250,
  );
});

test('analysts are held to their tasks per minute (batches count each task); admins are not', async ({ hub }) => {
  const { token } = await login(hub.url, 'bob', 'bob-password');
  const t = { op: 100, params: { dataset: 'd' } };
  assert.is((await call(hub.url, 'POST', '/api/v1/tasks', { token, body: [t, t, t] })).status, 201);
  const over = await call(hub.url, 'POST', '/api/v1/tasks', { token, body: [t, t, t] });
  assert.is(over.status, 429);
  assert.ok(Number(over.headers.get('retry-after')) >= 1);
  assert.match(over.body.error.message, /at most 5 per minute/);
  assert.is(
    (await call(hub.url, 'POST', '/api/v1/tasks', { token, body: t })).status,
    201,
    'what is left can still be used',
  );
  const admin = await login(hub.url, 'admin', 'admin-password');
  assert.is(
    (await call(hub.url, 'POST', '/api/v1/tasks', { token: admin.token, body: Array(20).fill(t) })).status,
    201,
  );
});

test('a runner may hold only so many long-polls open at once', async ({ hub }) => {
  const r = await register(hub.url, 'test-enrollment-key', 'poller', ['nothing-here']);
  const stop = new AbortController();
  const poll = () =>
    call(hub.url, 'GET', `/api/v1/tasks?runner_id=${r.runner_id}&wait=30`, {
      token: r.token,
      signal: stop.signal,
    }).catch(() => undefined);
  const open = [poll(), poll()];
  const third = await waitFor('the third long-poll refused', async () => {
    const x = await call(hub.url, 'GET', `/api/v1/tasks?runner_id=${r.runner_id}&wait=30`, {
      token: r.token,
      signal: AbortSignal.timeout(1500),
    }).catch(() => undefined);
    return x?.status === 429 ? x : undefined;
  });
  assert.ok(Number(third.headers.get('retry-after')) >= 1);
  assert.match(third.body.error.message, /long-polls open/);
  assert.is(
    (await call(hub.url, 'GET', `/api/v1/tasks?runner_id=${r.runner_id}&wait=0`, { token: r.token })).status,
    200,
    'a claim that does not wait is not capped',
  );
  stop.abort();
  await Promise.all(open);
  await waitFor(
    'the slots freed',
    async () =>
      (await call(hub.url, 'GET', `/api/v1/tasks?runner_id=${r.runner_id}&wait=0.1`, { token: r.token })).status ===
      200,
  );
});

test('bodies: too large → 413, nested too deep → 400 (never a 500)', async ({ hub }) => {
  const big = await call(hub.url, 'POST', '/api/v1/auth/login', {
    raw: JSON.stringify({ username: 'x', password: 'y'.repeat(2 * 1024 * 1024) }),
  });
  assert.is(big.status, 413);
  assert.is(big.body.error.code, 'payload_too_large');
  const { token } = await login(hub.url, 'admin', 'admin-password');
  let where = '{"column":"x","op":"=","value":1}';
  for (let i = 0; i < 20_000; i++) where = `{"not":${where}}`;
  const deep = await call(hub.url, 'POST', '/api/v1/tasks', {
    token,
    raw: `{"op":200,"params":{"dataset":"d","where":${where}}}`,
  });
  assert.is(deep.status, 400);
  assert.match(deep.body.error.message, /nested more than/);
  let filter = '{"column":"x","op":"=","value":1}';
  for (let i = 0; i < 17; i++) filter = `{"not":${filter}}`;
  const tooDeepFilter = await call(hub.url, 'POST', '/api/v1/tasks', {
    token,
    raw: `{"op":200,"params":{"dataset":"d","where":${filter}}}`,
  });
  assert.is(tooDeepFilter.status, 400);
  assert.match(JSON.stringify(tooDeepFilter.body), /nested 18 deep; the limit is 16/);
});

test.run();
