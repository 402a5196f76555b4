// Namespace /web: live task and runner updates for logged-in users (session cookie or bearer token).
import type { Namespace } from 'socket.io';
import { parse as parseCookies } from 'hono/utils/cookie';
import { WebHandshake, type HubToWebEvents, type WebToHubEvents } from '@simpul/protocol';
import { resolveCaller, SESSION_COOKIE } from '../auth/caller.ts';
import type { HubContext } from '../context.ts';
import type { UserRow } from '../db/schema.ts';
import { runnerViews } from '../store/runner-status.ts';
import { getRunner } from '../store/runners.ts';
import { getTasks } from '../store/tasks.ts';
import { onlineWindowMs, taskView } from '../store/views.ts';

export type WebNamespace = Namespace<WebToHubEvents, HubToWebEvents, Record<string, never>, { user: UserRow }>;

/** Updates go out at once when none went out within this long, else this long after the last: a burst (a batch of
 * 1000 tasks) makes few queries, and a lone change (a task finishing) is not held back. */
const FLUSH_MS = 20;

export function webNamespace(nsp: WebNamespace, ctx: HubContext): { stop(): void } {
  nsp.use(async (socket, next) => {
    const refuse = (code: string, message: string) => next(Object.assign(new Error(message), { data: { code, message } }));
    try {
      const auth = WebHandshake.safeParse(socket.handshake.auth ?? {});
      const token = auth.success ? auth.data.token : undefined;
      const cookie = token ? undefined : parseCookies(socket.handshake.headers.cookie ?? '', SESSION_COOKIE)[SESSION_COOKIE];
      // Browsers always send Origin on a WebSocket, and a cookie rides along cross-site too: a foreign Origin is another
      // site's page. No Origin at all is not a browser (scripts, runners of tests): its credentials decide.
      const origin = socket.handshake.headers.origin;
      const own = `${socket.handshake.secure ? 'https' : 'http'}://${socket.handshake.headers.host}`;
      if (origin !== undefined && origin !== own) return refuse('forbidden', `cross-origin socket refused: Origin ${origin} is not ${own}`);
      const caller = await resolveCaller(ctx.db, token, cookie);
      if (caller.kind !== 'user') return refuse('unauthorized', 'log in first');
      socket.data.user = caller.user;
      next();
    } catch (err) {
      const e = err as { code?: string; message?: string };
      refuse(e.code ?? 'unauthorized', e.message ?? 'not allowed');
    }
  });

  nsp.on('connection', (socket) => {
    const user = socket.data.user;
    void socket.join(`user:${user.id}`);
    if (user.role === 'admin') void socket.join('admins');
  });

  const taskIds = new Set<string>();
  const runnerIds = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let flushedAt = 0;

  const flush = async () => {
    timer = undefined;
    flushedAt = Date.now();
    const tids = [...taskIds];
    const rids = [...runnerIds];
    taskIds.clear();
    runnerIds.clear();
    // Nobody to tell, here or (through the cluster relay) on another hub.
    if (nsp.sockets.size === 0 && !ctx.cluster?.webListening()) return;
    for (const t of await getTasks(ctx.db, tids)) {
      const rooms = t.created_by ? [`user:${t.created_by}`, 'admins'] : ['admins'];
      nsp.to(rooms).emit('task:update', taskView(t));
    }
    const rows = (await Promise.all(rids.map((id) => getRunner(ctx.db, id)))).filter((r) => r !== undefined);
    for (const view of await runnerViews(ctx.db, ctx.presence, ctx.config.heartbeatS, rows)) nsp.emit('runner:update', view);
  };
  const schedule = () => {
    // Even "at once" waits for the current turn of the event loop to end, so that changes made together go together.
    timer ??= setTimeout(() => flush().catch((err) => ctx.log.error('web update failed', { err })), Math.max(0, flushedAt + FLUSH_MS - Date.now()));
  };

  const offTasks = ctx.events.on('tasks', (ids) => {
    for (const id of ids) taskIds.add(id);
    schedule();
  });
  const offRunners = ctx.events.on('runners', (ids) => {
    for (const id of ids) runnerIds.add(id);
    schedule();
  });

  // Runners without a socket go offline by silence, not by an event: look for those whose last ping just got too old.
  const window = onlineWindowMs(ctx.config.heartbeatS);
  let checkedAt = Date.now();
  const watch = setInterval(async () => {
    const now = Date.now();
    const since = checkedAt;
    checkedAt = now;
    if (nsp.sockets.size === 0) return;
    try {
      const gone = await ctx.db
        .selectFrom('runners')
        .select('id')
        .where('last_seen', '<=', now - window)
        .where('last_seen', '>', since - window)
        .execute();
      ctx.events.runners(gone.map((r) => r.id).filter((id) => !ctx.presence.has(id)));
    } catch (err) {
      ctx.log.error('runner liveness check failed', { err });
    }
  }, 1000);
  watch.unref();

  return {
    stop() {
      clearInterval(watch);
      if (timer) clearTimeout(timer);
      offTasks();
      offRunners();
    },
  };
}
