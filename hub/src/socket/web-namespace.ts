// Namespace /web: live task and runner updates for logged-in users (session cookie or bearer token).
import type { Namespace } from 'socket.io';
import { parse as parseCookies } from 'hono/utils/cookie';
import { WebHandshake, type HubToWebEvents, type WebToHubEvents } from '@simpul/protocol';
import { resolveCaller, SESSION_COOKIE } from '../auth/caller.ts';
import type { HubContext } from '../context.ts';
import type { UserRow } from '../db/schema.ts';
import { runnerViews } from '../store/runner-status.ts';
import { getRunner, runnersLastSeenBetween } from '../store/runners.ts';
import { getTasks } from '../queue/tasks.ts';
import { seenWindowMs, taskView } from '../store/views.ts';
import { joinRooms, runnerRooms, signedOutRoom, type WebCredential } from './web-rooms.ts';

export interface WebSocketData {
  user: UserRow;
  cred: WebCredential;
}
export type WebNamespace = Namespace<WebToHubEvents, HubToWebEvents, Record<string, never>, WebSocketData>;

/** Task updates go out at once when none went out within this long, else this long after the last: a burst (a batch
 * of 1000 tasks) makes few queries, and a lone change (a task finishing) is not held back. */
const TASK_FLUSH_MS = 20;
/** Runner updates (busy, online, offline) are gathered this long: a quick task's busy and idle again make one. */
const RUNNER_FLUSH_MS = 250;

/**
 * Ids gathered and handed to `run` together: `leading`, at once (after the current turn of the event loop, so that
 * changes made together go together) unless a run started within `ms`; else `ms` after the first id came.
 */
function batch(ms: number, leading: boolean, run: (ids: string[]) => Promise<void>) {
  const ids = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let ranAt = 0;
  return {
    add(more: string[], onError: (err: unknown) => void) {
      for (const id of more) ids.add(id);
      const wait = leading ? Math.max(0, ranAt + ms - Date.now()) : ms;
      timer ??= setTimeout(() => {
        timer = undefined;
        ranAt = Date.now();
        const now = [...ids];
        ids.clear();
        run(now).catch(onError);
      }, wait);
    },
    stop() {
      if (timer) clearTimeout(timer);
    },
  };
}

export function webNamespace(nsp: WebNamespace, ctx: HubContext): { stop(): void } {
  nsp.use(async (socket, next) => {
    const refuse = (code: string, message: string) =>
      next(Object.assign(new Error(message), { data: { code, message } }));
    try {
      const auth = WebHandshake.safeParse(socket.handshake.auth ?? {});
      const token = auth.success ? auth.data.token : undefined;
      const cookie = token
        ? undefined
        : parseCookies(socket.handshake.headers.cookie ?? '', SESSION_COOKIE)[SESSION_COOKIE];
      // Browsers always send Origin on a WebSocket, and a cookie rides along cross-site too: a foreign Origin is another
      // site's page. No Origin at all is not a browser (scripts, runners of tests): its credentials decide.
      const origin = socket.handshake.headers.origin;
      const own = `${socket.handshake.secure ? 'https' : 'http'}://${socket.handshake.headers.host}`;
      if (origin !== undefined && origin !== own)
        return refuse('forbidden', `cross-origin socket refused: Origin ${origin} is not ${own}`);
      const caller = await resolveCaller(ctx.db, token, cookie);
      if (caller.kind !== 'user') return refuse('unauthorized', 'log in first');
      socket.data.user = caller.user;
      socket.data.cred = { sessionId: caller.sessionId, tokenId: caller.tokenId, expiresAt: caller.expiresAt };
      next();
    } catch (err) {
      const e = err as { code?: string; message?: string };
      refuse(e.code ?? 'unauthorized', e.message ?? 'not allowed');
    }
  });

  nsp.on('connection', (socket) => {
    const user = socket.data.user;
    const leave = joinRooms(socket, user.id, user.role === 'admin', socket.data.cred ?? {});
    socket.on('disconnect', leave);
  });
  // A session logged out, reset by an admin, or an API token revoked: its sockets close now (on every hub, through
  // the adapter), as its HTTP requests already answer 401.
  const offSignedOut = ctx.events.on('signedOut', (who) => nsp.in(signedOutRoom(who)).disconnectSockets(true));

  // Nobody to tell, here or (through the cluster relay) on another hub.
  const nobody = () => nsp.sockets.size === 0 && !ctx.cluster?.webListening();
  const tasks = batch(TASK_FLUSH_MS, true, async (ids) => {
    if (nobody()) return;
    for (const t of await getTasks(ctx.db, ids)) {
      const rooms = t.created_by ? [`user:${t.created_by}`, 'admins'] : ['admins'];
      nsp.to(rooms).emit('task:update', taskView(t));
    }
  });
  const runners = batch(RUNNER_FLUSH_MS, false, async (ids) => {
    if (nobody()) return;
    const rows = (await Promise.all(ids.map((id) => getRunner(ctx.db, id)))).filter((r) => r !== undefined);
    const rooms = await runnerRooms(ctx.db, rows);
    for (const view of await runnerViews(ctx.db, ctx.presence, ctx.config, rows)) {
      const to = rooms.get(view.runner_id);
      if (to === null) nsp.emit('runner:update', view);
      else if (to) nsp.to(to).emit('runner:update', view); // private: admins and the users it is shared with
    }
  });
  const failed = (err: unknown) => ctx.log.error('web update failed', { err });
  const offTasks = ctx.events.on('tasks', (ids) => tasks.add(ids, failed));
  const offRunners = ctx.events.on('runners', (ids) => runners.add(ids, failed));

  // Runners without a socket go offline by silence, not by an event: look for those whose last ping just got too old.
  let checkedAt = Date.now();
  const watch = setInterval(async () => {
    const now = Date.now();
    const since = checkedAt;
    checkedAt = now;
    if (nsp.sockets.size === 0) return;
    try {
      const gone = await runnersLastSeenBetween(ctx.db, since, now, (t) => seenWindowMs(t, ctx.config));
      ctx.events.runners(gone.map((r) => r.id).filter((id) => !ctx.presence.has(id)));
    } catch (err) {
      ctx.log.error('runner liveness check failed', { err });
    }
  }, 1000);
  watch.unref();

  return {
    stop() {
      clearInterval(watch);
      tasks.stop();
      runners.stop();
      offTasks();
      offRunners();
      offSignedOut();
    },
  };
}
