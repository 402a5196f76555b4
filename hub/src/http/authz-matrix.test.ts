// The authorization matrix: every route of ROUTES × every kind of caller, each with the exact status it must get.
// A route added to ROUTES without an entry here fails this test (and the typecheck).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { PROTOCOL_VERSION, ROUTES } from '@simpul/protocol';
import { createApiToken } from '../auth/api-tokens.ts';
import { createEnrollmentKey } from '../auth/enrollment.ts';
import { claim } from '../queue/claim.ts';
import { enqueue } from '../queue/enqueue.ts';
import { addUser, fetchTask, startTestHub, type TestHub } from '../testing/support.ts';
import { call, login, register } from '../testing/http.ts';

const CALLERS = ['none', 'bad', 'analystA', 'analystB', 'admin', 'runnerX', 'runnerY', 'revoked', 'expired'] as const;
type Who = (typeof CALLERS)[number];
type Expect = Record<Who, number>;
type RouteKey = keyof typeof ROUTES;

interface Fixture {
  hub: TestHub;
  tokens: Record<Who, string | undefined>;
  ids: { analystA: string; analystB: string; userC: string; runnerX: string; runnerY: string };
  taskA: string; // created by analyst A, for runner X
  password: Record<'analystA' | 'analystB' | 'admin', string>;
}

/** What one call sends; `token` replaces the caller's token (a fresh session to log out, a runner rotating itself). */
interface Req {
  path: string;
  body?: unknown;
  raw?: string;
  token?: string | null;
  headers?: Record<string, string>;
}
type Build = (f: Fixture, who: Who) => Promise<Req> | Req;
interface Entry {
  req: Build;
  expect: Expect;
}

const all = (s: number): Expect => Object.fromEntries(CALLERS.map((c) => [c, s])) as Expect;
/** Users only: no or invalid credentials 401, runner tokens 403. */
const users = (analystA: number, analystB: number, admin: number): Expect => ({
  ...all(401),
  runnerX: 403,
  runnerY: 403,
  analystA,
  analystB,
  admin,
});
const admins = (status: number) => users(403, 403, status);
/** Runners only: user credentials 403. */
const runners = (runnerX: number, runnerY: number): Expect => ({
  ...all(401),
  analystA: 403,
  analystB: 403,
  admin: 403,
  runnerX,
  runnerY,
});

const isUser = (w: Who) => w === 'analystA' || w === 'analystB' || w === 'admin';
let seq = 0;
const unique = (p: string) => `${p}${Date.now().toString(36)}${seq++}`;

async function freshRunner(f: Fixture, datasets: string[] = ['dz']) {
  return register(f.hub.url, 'test-enrollment-key', unique('fresh-'), datasets);
}

/** A task of analyst A leased to runner X, and its lease token (for progress, release, result, upload). */
async function leasedToX(f: Fixture) {
  const [t] = await enqueue(f.hub.ctx, [fetchTask('dx', { runner_id: f.ids.runnerX })], f.ids.analystA);
  const offers = await claim(f.hub.ctx, { id: f.ids.runnerX, datasets: [] }, 50);
  const offer = offers.find((o) => o.task_id === t.task_id);
  if (!offer) throw new Error('could not lease a task to runner X');
  return offer;
}

async function freshTaskOfA(f: Fixture) {
  const [t] = await enqueue(f.hub.ctx, [fetchTask('dq')], f.ids.analystA);
  return t.task_id;
}

const TABLE: Record<RouteKey, Entry> = {
  register: {
    req: () => ({
      path: ROUTES.register.path,
      body: { enrollment_key: 'test-enrollment-key', name: unique('r-'), protocol_version: PROTOCOL_VERSION },
    }),
    expect: all(201), // the enrolment key is the credential; a bearer token is not looked at
  },
  ping: { req: (f) => ({ path: ROUTES.ping.path, body: { runner_id: f.ids.runnerX } }), expect: runners(200, 403) },
  claim: {
    req: (f) => ({ path: `${ROUTES.claim.path}?runner_id=${f.ids.runnerX}&wait=0` }),
    expect: { ...runners(200, 403), analystA: 200, analystB: 200, admin: 200 },
  },
  progress: {
    req: async (f) => {
      const o = await leasedToX(f);
      return { path: ROUTES.progress.path, body: { task_id: o.task_id, lease_token: o.lease_token, percent: 10 } };
    },
    expect: runners(200, 403),
  },
  release: {
    req: async (f) => {
      const o = await leasedToX(f);
      return { path: ROUTES.release.path, body: { task_id: o.task_id, lease_token: o.lease_token } };
    },
    expect: runners(200, 403),
  },
  result: {
    req: async (f) => {
      const o = await leasedToX(f);
      return {
        path: ROUTES.result.path,
        body: {
          task_id: o.task_id,
          lease_token: o.lease_token,
          status: 'failed',
          error: { code: 'op_failed', message: 'x' },
        },
      };
    },
    expect: runners(200, 403),
  },
  getResult: { req: (f) => ({ path: `/api/v1/result/${f.taskA}` }), expect: users(200, 404, 200) },
  upload: {
    req: async (f) => {
      const o = await leasedToX(f);
      return {
        path: ROUTES.upload.path,
        body: {
          task_id: o.task_id,
          lease_token: o.lease_token,
          bytes: 3,
          sha256: 'a'.repeat(64),
          content_type: 'text/csv',
          filename: 'x.csv',
        },
      };
    },
    expect: runners(201, 403),
  },
  putBlob: {
    req: () => ({
      path: '/api/v1/blobs/blb_nothing?exp=1&sig=forged',
      raw: 'abc',
      headers: { 'content-type': 'text/csv' },
    }),
    expect: all(403),
  },
  getBlob: { req: () => ({ path: '/api/v1/blobs/blb_nothing?exp=1&sig=forged' }), expect: all(403) },
  download: { req: (f) => ({ path: `/api/v1/result/${f.taskA}/download` }), expect: users(404, 404, 404) }, // no file yet: A and admin get a 404 that says so
  downloadRows: { req: (f) => ({ path: `/api/v1/result/${f.taskA}/download/csv` }), expect: users(404, 404, 404) }, // no result yet
  login: {
    req: (f) => ({ path: ROUTES.login.path, body: { username: 'admin', password: f.password.admin } }),
    expect: all(200),
  },
  logout: {
    // A fresh session of the same user, so that the caller's own session survives for the other routes.
    req: async (f, w) =>
      isUser(w)
        ? { path: ROUTES.logout.path, token: (await login(f.hub.url, userName(w), f.password[w as 'admin'])).token }
        : { path: ROUTES.logout.path },
    expect: users(200, 200, 200),
  },
  me: { req: () => ({ path: ROUTES.me.path }), expect: users(200, 200, 200) },
  session: {
    req: () => ({ path: ROUTES.session.path }),
    expect: { ...all(200), bad: 401, revoked: 401, expired: 401 }, // signed out is a 200; a bad bearer token is not
  },
  runners: { req: () => ({ path: ROUTES.runners.path }), expect: users(200, 200, 200) },
  runner: { req: (f) => ({ path: `/api/v1/runners/${f.ids.runnerX}` }), expect: users(200, 200, 200) },
  dataset: { req: () => ({ path: '/api/v1/datasets/dx' }), expect: users(200, 200, 200) },
  createTask: {
    req: (f) => ({
      path: ROUTES.createTask.path,
      body: { op: 100, runner_id: f.ids.runnerX, params: { dataset: 'dx' } },
    }),
    expect: users(201, 201, 201),
  },
  getTask: { req: (f) => ({ path: `/api/v1/tasks/${f.taskA}` }), expect: users(200, 404, 200) },
  cancelTask: {
    req: async (f) => ({ path: `/api/v1/tasks/${await freshTaskOfA(f)}/cancel` }),
    expect: users(200, 404, 200),
  },
  listTokens: { req: () => ({ path: ROUTES.listTokens.path }), expect: users(200, 200, 200) },
  createToken: {
    req: () => ({ path: ROUTES.createToken.path, body: { name: 'matrix' } }),
    expect: users(201, 201, 201),
  },
  revokeToken: {
    req: async (f) => ({
      path: `/api/v1/tokens/${(await createApiToken(f.hub.db, f.ids.analystA, { name: 'to-revoke' })).token_id}`,
    }),
    expect: users(200, 404, 200),
  },
  listUsers: { req: () => ({ path: ROUTES.listUsers.path }), expect: admins(200) },
  createUser: {
    req: () => ({
      path: ROUTES.createUser.path,
      body: { username: unique('u'), password: 'password-123', role: 'analyst' },
    }),
    expect: admins(201),
  },
  resetPassword: {
    req: (f) => ({ path: `/api/v1/users/${f.ids.userC}/password`, body: { password: 'new-password-1' } }),
    expect: admins(200),
  },
  updateUser: {
    req: async (f) => ({
      path: `/api/v1/users/${(await addUser(f.hub, unique('upd-'))).id}`,
      body: { role: 'admin' },
    }),
    expect: admins(200),
  },
  deleteUser: {
    req: async (f) => ({ path: `/api/v1/users/${(await addUser(f.hub, unique('del-'))).id}` }),
    expect: admins(200),
  },
  listEnrollmentKeys: { req: () => ({ path: ROUTES.listEnrollmentKeys.path }), expect: admins(200) },
  createEnrollmentKey: {
    req: () => ({ path: ROUTES.createEnrollmentKey.path, body: { name: 'matrix key', single_use: true } }),
    expect: admins(201),
  },
  revokeEnrollmentKey: {
    req: async (f) => ({
      path: `/api/v1/enrollment-keys/${(await createEnrollmentKey(f.hub.db, { name: 'k' }, f.ids.analystA)).key_id}`,
    }),
    expect: admins(200),
  },
  revokeRunner: {
    req: async (f) => ({ path: `/api/v1/runners/${(await freshRunner(f)).runner_id}/revoke` }),
    expect: users(403, 403, 200),
  },
  runnerAccess: {
    req: async (f) => ({ path: `/api/v1/runners/${(await freshRunner(f)).runner_id}/access`, body: { shared: true } }),
    expect: users(403, 403, 200),
  },
  approveSite: {
    req: async (f) => ({ path: `/api/v1/runners/${(await freshRunner(f)).runner_id}/datasets/dz/approve` }),
    expect: admins(200),
  },
  rejectSite: {
    req: async (f) => ({ path: `/api/v1/runners/${(await freshRunner(f)).runner_id}/datasets/dz/reject` }),
    expect: admins(200),
  },
  rotateRunnerToken: {
    // "Runner X" rotates its own token (a fresh runner each time, so X's real token stays current for the other routes).
    req: async (f, w) => {
      const r = await freshRunner(f);
      return { path: `/api/v1/runners/${r.runner_id}/rotate`, token: w === 'runnerX' ? r.token : undefined };
    },
    expect: runners(200, 403),
  },
  audit: { req: () => ({ path: ROUTES.audit.path }), expect: admins(200) },
  createStudy: {
    req: () => ({
      path: ROUTES.createStudy.path,
      body: { analysis: 'summary', dataset: 'dx', columns: ['x'], require: 'any' },
    }),
    expect: users(201, 201, 201),
  },
  listStudies: { req: () => ({ path: ROUTES.listStudies.path }), expect: users(200, 200, 200) },
  getStudy: { req: async (f) => ({ path: `/api/v1/studies/${await studyOfA(f)}` }), expect: users(200, 404, 200) },
  exportStudy: {
    // A's study is still running: 409 for those who may see it, 404 for B.
    req: async (f) => ({ path: `/api/v1/studies/${await studyOfA(f)}/export?format=csv` }),
    expect: users(409, 404, 409),
  },
  cancelStudy: {
    req: async (f) => ({ path: `/api/v1/studies/${await studyOfA(f)}/cancel` }),
    expect: users(200, 404, 200),
  },
  healthz: { req: () => ({ path: ROUTES.healthz.path }), expect: all(200) },
  readyz: { req: () => ({ path: ROUTES.readyz.path }), expect: all(200) },
  metrics: { req: () => ({ path: ROUTES.metrics.path }), expect: all(200) }, // no SIMPUL_METRICS_TOKEN: loopback may read
  openapi: { req: () => ({ path: ROUTES.openapi.path }), expect: all(200) },
  apiDocs: { req: () => ({ path: ROUTES.apiDocs.path }), expect: all(200) },
};

function userName(w: Who): string {
  return w === 'analystA' ? 'ana' : w === 'analystB' ? 'bob' : 'admin';
}

async function studyOfA(f: Fixture): Promise<string> {
  const r = await call(f.hub.url, 'POST', ROUTES.createStudy.path, {
    token: f.tokens.analystA,
    body: { analysis: 'summary', dataset: 'dx', columns: ['x'], require: 'any' },
  });
  if (r.status !== 201) throw new Error(`study: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.study_id;
}

const test = suite<{ f: Fixture }>('authorization matrix', {} as { f: Fixture });

test.before(async (ctx) => {
  const hub = await startTestHub({ SIMPUL_TASKS_PER_MINUTE: '0' });
  const [a, b, c] = [await addUser(hub.ctx, 'ana'), await addUser(hub.ctx, 'bob'), await addUser(hub.ctx, 'carol')];
  const x = await register(hub.url, 'test-enrollment-key', 'runner-x', ['dx']);
  const y = await register(hub.url, 'test-enrollment-key', 'runner-y', ['dy']);
  const gone = await register(hub.url, 'test-enrollment-key', 'runner-gone', ['dx']);
  const sessions = {
    analystA: await login(hub.url, 'ana', 'ana-password'),
    analystB: await login(hub.url, 'bob', 'bob-password'),
    admin: await login(hub.url, 'admin', 'admin-password'),
  };
  const revoke = await call(hub.url, 'POST', `/api/v1/runners/${gone.runner_id}/revoke`, {
    token: sessions.admin.token,
  });
  assert.is(revoke.status, 200);
  const expired = await createApiToken(hub.db, a.id, { name: 'expired', expires_in_s: 1 }, Date.now() - 10_000);
  const [taskA] = await enqueue(hub.ctx, [fetchTask('dx', { runner_id: x.runner_id })], a.id);
  ctx.f = {
    hub,
    tokens: {
      none: undefined,
      bad: 'sms_this-session-never-existed',
      analystA: sessions.analystA.token,
      analystB: sessions.analystB.token,
      admin: sessions.admin.token,
      runnerX: x.token,
      runnerY: y.token,
      revoked: gone.token,
      expired: expired.token,
    },
    ids: { analystA: a.id, analystB: b.id, userC: c.id, runnerX: x.runner_id, runnerY: y.runner_id },
    taskA: taskA.task_id,
    password: { analystA: 'ana-password', analystB: 'bob-password', admin: 'admin-password' },
  };
});
test.after(async ({ f }) => {
  await f?.hub.cleanup();
});

test('every route in ROUTES has an entry, and the table names no route that does not exist', () => {
  const missing = Object.keys(ROUTES).filter((k) => !(k in TABLE));
  assert.equal(missing, [], `routes without an authorization entry: ${missing.join(', ')}`);
  assert.equal(
    Object.keys(TABLE).filter((k) => !(k in ROUTES)),
    [],
  );
});

test('each route answers each caller with the exact status', async ({ f }) => {
  const wrong: string[] = [];
  for (const [key, entry] of Object.entries(TABLE) as [RouteKey, Entry][]) {
    const spec = ROUTES[key];
    for (const who of CALLERS) {
      const req = await entry.req(f, who);
      const token = req.token === null ? undefined : (req.token ?? f.tokens[who]);
      const r = await call(f.hub.url, spec.method, req.path, {
        token,
        body: req.body,
        raw: req.raw,
        headers: req.headers,
      });
      if (r.status !== entry.expect[who])
        wrong.push(
          `${spec.method} ${spec.path} as ${who}: ${r.status}, expected ${entry.expect[who]} ${JSON.stringify(r.body).slice(0, 160)}`,
        );
      else if (r.status >= 400 && r.status !== 404 && !r.body?.error?.code)
        wrong.push(`${spec.method} ${spec.path} as ${who}: ${r.status} without an error body`);
    }
  }
  assert.equal(wrong, [], `\n${wrong.join('\n')}`);
});

test('a revoked runner and an expired token are refused with a message that says why', async ({ f }) => {
  const r = await call(f.hub.url, 'POST', ROUTES.ping.path, { token: f.tokens.revoked, body: { runner_id: 'x' } });
  assert.is(r.status, 401);
  assert.match(r.body.error.message, /revoked/);
  const e = await call(f.hub.url, 'GET', ROUTES.me.path, { token: f.tokens.expired });
  assert.is(e.status, 401);
  assert.match(e.body.error.message, /expired/);
});

test.run();
