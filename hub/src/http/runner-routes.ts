// Routes for runners: register, ping, claim (GET /tasks with a runner token), progress, release, result.
import type { Hono } from 'hono';
import {
  ClaimQuery,
  PingRequest,
  PROTOCOL_VERSION,
  RegisterRequest,
  ReleaseRequest,
  ResultPost,
  ROUTES,
  TaskProgress,
  type ClaimReply,
  type TaskOffer,
  type RegisterReply,
} from '@simpul/protocol';
import { forbidden, protocolMismatch } from '../errors.ts';
import { ping } from '../queue/leases.ts';
import { progress, release, result } from '../queue/report.ts';
import { longPollSlot, nameTaken, registered, spendEnrollmentKey } from './guards/runner.ts';
import { createRunner } from '../store/runners.ts';
import { giveBackEnrollmentKey } from '../auth/enrollment.ts';
import { requireRunner } from './guards/caller.ts';
import type { Ctx, HubEnv } from './env.ts';
import { longPollClaim } from './long-poll.ts';
import { readBody, readQuery } from './parse.ts';

export function runnerRoutes(app: Hono<HubEnv>): void {
  app.post(ROUTES.register.path, async (c) => {
    const hub = c.get('hub');
    const body = await readBody(c, RegisterRequest);
    if (body.protocol_version !== PROTOCOL_VERSION) throw protocolMismatch(body.protocol_version, PROTOCOL_VERSION);
    const keyId = await spendEnrollmentKey(c, body.enrollment_key); // 401 unless valid, unexpired and not used up
    const { row, token } = await createRunner(hub.db, {
      name: body.name,
      labels: body.labels,
      datasets: body.datasets,
      version: body.version,
      protocolVersion: body.protocol_version,
      siteApproval: hub.config.security.siteApproval,
      nameTaken, // 409 while a runner that is not revoked has the name
    }).catch(async (err) => {
      await giveBackEnrollmentKey(hub.db, keyId); // a single-use key is not lost to a name that was taken
      throw err;
    });
    await registered(c, row, keyId);
    hub.log.info('runner registered', { runner_id: row.id, name: row.name });
    hub.events.runners([row.id]);
    hub.events.available(); // it may serve datasets that tasks are waiting for
    const reply: RegisterReply = {
      runner_id: row.id,
      token,
      heartbeat_interval_s: hub.config.heartbeatS,
      lease_ttl_s: hub.config.leaseTtlS,
    };
    return c.json(reply, 201);
  });

  app.post(ROUTES.ping.path, async (c) => {
    const hub = c.get('hub');
    const runner = await requireRunner(c);
    const body = await readBody(c, PingRequest);
    if (body.protocol_version !== undefined && body.protocol_version !== PROTOCOL_VERSION)
      throw protocolMismatch(body.protocol_version, PROTOCOL_VERSION);
    hub.presence.heard(runner.id);
    const { reply } = await ping(hub, runner, body, hub.presence.has(runner.id) ? 'websocket' : 'polling');
    return c.json(reply);
  });

  app.post(ROUTES.progress.path, async (c) => {
    const runner = await requireRunner(c);
    const body = await readBody(c, TaskProgress);
    return c.json(await progress(c.get('hub'), runner, body));
  });

  app.post(ROUTES.release.path, async (c) => {
    const runner = await requireRunner(c);
    const body = await readBody(c, ReleaseRequest);
    return c.json(await release(c.get('hub'), runner, body));
  });

  app.post(ROUTES.result.path, async (c) => {
    const runner = await requireRunner(c);
    const body = await readBody(c, ResultPost);
    return c.json(await result(c.get('hub'), runner, body));
  });
}

/** GET /api/v1/tasks with a runner token: claim, long-polling up to `wait` seconds. */
export async function claimRoute(c: Ctx) {
  const runner = await requireRunner(c);
  const q = readQuery(c, ClaimQuery);
  if (q.runner_id !== runner.id) throw forbidden(`this token belongs to runner ${runner.id}, not ${q.runner_id}`);
  const leave = longPollSlot(c, runner.id, q.wait); // 429 past the runner's concurrent long-polls
  let tasks: TaskOffer[];
  try {
    tasks = await longPollClaim(c.get('hub'), runner, q, c.req.raw.signal);
  } finally {
    leave();
  }
  const reply: ClaimReply = { tasks };
  return c.json(reply);
}
