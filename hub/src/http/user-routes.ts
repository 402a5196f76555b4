// Routes for users: log in and out, who am I, runners, a dataset across its sites.
import type { Hono } from 'hono';
import { deleteCookie, setCookie } from 'hono/cookie';
import { DatasetName, LoginRequest, ROUTES, RunnerId } from '@simpul/protocol';
import type { LoginReply, RunnerList, SessionReply } from '@simpul/protocol';
import { auditRequest } from '../audit/audit.ts';
import { SESSION_COOKIE } from '../auth/caller.ts';
import { canUseRunner, visibleRunners } from '../auth/runner-access.ts';
import { beforeLogin, loginFailed, loginRequestAllowed, loginSucceeded } from './guards/login.ts';
import { dummyHash, verifyPassword } from '../auth/passwords.ts';
import { notFound, unauthorized } from '../errors.ts';
import { getRunner, listRunners } from '../store/runners.ts';
import { runnerViews } from '../store/runner-status.ts';
import { ACCOUNT_DISABLED, createSession, findUserByName, revokeSession, SESSION_TTL_MS } from '../store/users.ts';
import { userView } from '../store/views.ts';
import { datasetView } from '../studies/schemas.ts';
import { callerOf, requireUser } from './guards/caller.ts';
import type { HubEnv } from './env.ts';
import { readBody, readParam } from './parse.ts';

export function userRoutes(app: Hono<HubEnv>): void {
  app.post(ROUTES.login.path, async (c) => {
    const hub = c.get('hub');
    loginRequestAllowed(c); // JSON from the hub's own pages or from scripts (415, 403)
    const body = await readBody(c, LoginRequest);
    const attempt = await beforeLogin(c, body.username); // 429 while locked out; counts the attempt first
    const user = await findUserByName(hub.db, body.username);
    // Verify against a dummy hash for unknown users, so that timing does not tell which part was wrong.
    const ok = await verifyPassword(body.password, user?.password_hash ?? (await dummyHash()));
    if (!user || !ok || user.disabled_at !== null) {
      await loginFailed(c, body.username);
      // Only who knows the password learns that the account is disabled.
      throw unauthorized(user && ok ? ACCOUNT_DISABLED : 'wrong username or password');
    }
    await loginSucceeded(c, user, attempt);
    const session = await createSession(hub.db, user.id);
    setCookie(c, SESSION_COOKIE, session.token, {
      httpOnly: true,
      sameSite: 'Lax',
      path: '/',
      secure: new URL(c.req.url).protocol === 'https:',
      maxAge: Math.floor(SESSION_TTL_MS / 1000),
    });
    hub.log.info('user logged in', { user_id: user.id });
    const reply: LoginReply = {
      token: session.token,
      expires_at: new Date(session.expiresAt).toISOString(),
      user: userView(user),
    };
    return c.json(reply);
  });

  app.post(ROUTES.logout.path, async (c) => {
    const user = await requireUser(c);
    if (user.sessionId) {
      await revokeSession(c.get('hub').db, user.sessionId);
      c.get('hub').events.signedOut({ credentialId: user.sessionId }); // its /web sockets close now
    }
    await auditRequest(c, { action: 'logout', target: { kind: 'user', id: user.user.id } });
    deleteCookie(c, SESSION_COOKIE, { path: '/' });
    return c.json({ ok: true });
  });

  app.get(ROUTES.me.path, async (c) => {
    const user = await requireUser(c);
    return c.json(userView(user.user));
  });

  // The web app's first question: a signed-out visit, or a session cookie that has expired, is an answer here, not a
  // 401 (browsers log every 401). A bad bearer token is still a 401: a script should learn that its token is wrong.
  app.get(ROUTES.session.path, async (c) => {
    let caller: Awaited<ReturnType<typeof callerOf>>;
    try {
      caller = await callerOf(c);
    } catch (e) {
      if (c.req.header('authorization') !== undefined) throw e;
      deleteCookie(c, SESSION_COOKIE, { path: '/' });
      caller = { kind: 'none' };
    }
    const user = caller.kind === 'user' ? userView(caller.user) : null;
    const reply: SessionReply = { signed_in: user !== null, user };
    return c.json(reply);
  });

  app.get(ROUTES.runners.path, async (c) => {
    const user = await requireUser(c);
    const hub = c.get('hub');
    const rows = await visibleRunners(hub.db, user.user, await listRunners(hub.db)); // private runners only for their users
    const reply: RunnerList = { runners: await runnerViews(hub.db, hub.presence, hub.config, rows) };
    return c.json(reply);
  });

  app.get(ROUTES.runner.path, async (c) => {
    const user = await requireUser(c);
    const hub = c.get('hub');
    const id = readParam(c, 'runner_id', RunnerId);
    const row = await getRunner(hub.db, id);
    if (!row || !(await canUseRunner(hub.db, user.user, row))) throw notFound(`no runner ${id}`);
    const [view] = await runnerViews(hub.db, hub.presence, hub.config, [row]);
    return c.json(view);
  });

  app.get(ROUTES.dataset.path, async (c) => {
    const user = await requireUser(c);
    const name = readParam(c, 'dataset', DatasetName);
    return c.json(await datasetView(c.get('hub').db, user.user, name));
  });
}
