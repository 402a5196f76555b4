// Routes for personal API tokens, and for a runner's token and access: rotate, revoke, share.
import type { Hono } from 'hono';
import { ApiTokenCreate, Id, ROUTES, RunnerAccess, RunnerId, type ApiTokenList } from '@simpul/protocol';
import { auditRequest } from '../audit/audit.ts';
import { createApiToken, getApiToken, listApiTokens, revokeApiToken } from '../auth/api-tokens.ts';
import { bearerOf } from '../auth/caller.ts';
import { accessView, setAccess } from '../auth/runner-access.ts';
import { revokeRunner, rotateRunnerToken } from '../auth/runner-tokens.ts';
import { hashToken, sameHash } from '../auth/tokens.ts';
import { forbidden, notFound } from '../errors.ts';
import { requireRunner, requireUser } from './guards/caller.ts';
import { managedRunner } from './guards/runner-access.ts';
import type { HubEnv } from './env.ts';
import { readBody, readParam } from './parse.ts';

export function securityRoutes(app: Hono<HubEnv>): void {
  app.get(ROUTES.listTokens.path, async (c) => {
    const user = await requireUser(c);
    const reply: ApiTokenList = { tokens: await listApiTokens(c.get('hub').db, user.user.id) };
    return c.json(reply);
  });

  app.post(ROUTES.createToken.path, async (c) => {
    const user = await requireUser(c);
    // A leaked API token must not be able to mint its own successors.
    if (!user.sessionId) throw forbidden('create API tokens from a login session, not with another API token');
    const body = await readBody(c, ApiTokenCreate);
    const created = await createApiToken(c.get('hub').db, user.user.id, body);
    await auditRequest(c, {
      action: 'token.created',
      target: { kind: 'api_token', id: created.token_id },
      details: { name: created.name, expires_at: created.expires_at },
    });
    return c.json(created, 201);
  });

  app.delete(ROUTES.revokeToken.path, async (c) => {
    const user = await requireUser(c);
    const id = readParam(c, 'token_id', Id);
    const db = c.get('hub').db;
    const token = await getApiToken(db, id);
    if (!token || (token.user_id !== user.user.id && user.user.role !== 'admin')) throw notFound(`no API token ${id}`);
    if (await revokeApiToken(db, id)) {
      await auditRequest(c, {
        action: 'token.revoked',
        target: { kind: 'api_token', id },
        details: { name: token.name, owner: token.user_id },
      });
      c.get('hub').events.signedOut({ credentialId: id });
    }
    return c.json({ ok: true as const });
  });

  app.post(ROUTES.revokeRunner.path, async (c) => {
    const { user, runner } = await managedRunner(c);
    if (await revokeRunner(c.get('hub'), runner.id, user.user.username)) {
      await auditRequest(c, {
        action: 'runner.revoked',
        target: { kind: 'runner', id: runner.id },
        details: { name: runner.name },
      });
    }
    return c.json({ ok: true as const });
  });

  app.post(ROUTES.runnerAccess.path, async (c) => {
    const { runner } = await managedRunner(c);
    const body = await readBody(c, RunnerAccess);
    const db = c.get('hub').db;
    await setAccess(db, runner.id, body);
    const view = await accessView(db, { id: runner.id, shared: body.shared ? 1 : 0 });
    await auditRequest(c, {
      action: 'runner.access_changed',
      target: { kind: 'runner', id: runner.id },
      details: { shared: view.shared, owners: view.owners, allowed_users: view.allowed_users },
    });
    c.get('hub').events.runners([runner.id]);
    return c.json(view);
  });

  app.post(ROUTES.rotateRunnerToken.path, async (c) => {
    const runner = await requireRunner(c);
    const id = readParam(c, 'runner_id', RunnerId);
    if (id !== runner.id) throw forbidden(`this token belongs to runner ${runner.id}, not ${id}`);
    // Only the current token may rotate: a previous one (still in its overlap) could otherwise take the runner over.
    const bearer = bearerOf(c.req.header('authorization')) ?? '';
    if (!sameHash(runner.token_hash, hashToken(bearer)))
      throw forbidden('this token was already rotated; use the newer one');
    const hub = c.get('hub');
    const rotated = await rotateRunnerToken(hub, runner, hub.config.security.tokenOverlapMs);
    await auditRequest(c, {
      action: 'runner.token_rotated',
      target: { kind: 'runner', id: runner.id },
      details: { previous_valid_until: rotated.previous_valid_until },
    });
    return c.json(rotated);
  });
}
