// Several hubs on one PostgreSQL: Socket.IO's postgres adapter relays broadcasts (web updates, cancels) between them,
// and each hub tells the others when tasks become claimable, so that a task created on one hub reaches a runner on another.
import { createAdapter } from '@socket.io/postgres-adapter';
import pg from 'pg';
import type { Server } from 'socket.io';
import { WEB_NAMESPACE } from '@simpul/protocol';
import type { HubContext } from '../context.ts';
import { ATTACHMENTS_TABLE, ensureAttachmentsTable } from './attachments.ts';
import {
  AVAILABLE,
  AvailableMessage,
  CLUSTER_NAMESPACE,
  HINT_MAX,
  LOST,
  LostMessage,
  SIGNED_OUT,
  SignedOutMessage,
  WEB,
  WebMessage,
} from './messages.ts';
import { REFRESH_MS, WebListeners } from './web-listeners.ts';

export interface Cluster {
  /** This hub's id among the others. */
  readonly id: string;
  /** Joins the Socket.IO server to the other hubs; call right after the namespaces exist, before any socket joins a room. */
  attach(io: Server): void;
  /** Call after the Socket.IO server has closed. */
  stop(): Promise<void>;
}

/** Undefined when the hub runs alone (SQLite, or SIMPUL_CLUSTER=off). */
export async function openCluster(ctx: HubContext): Promise<Cluster | undefined> {
  const { database } = ctx.config;
  if (database.kind !== 'postgres' || ctx.config.cluster === 'off') return undefined;
  const pool = new pg.Pool({
    connectionString: database.url,
    max: 4, // one LISTEN connection plus NOTIFYs
    ...(database.schema ? { options: `-c search_path=${database.schema}` } : {}),
  });
  pool.on('error', (err) => ctx.log.warn('cluster connection lost', { err }));
  try {
    await ensureAttachmentsTable(pool);
  } catch (err) {
    await pool.end();
    throw err;
  }
  const listeners = new WebListeners();
  const timers: NodeJS.Timeout[] = [];
  let io: Server | undefined;
  let id = '';
  let stopped = false;

  const attach = (server: Server) => {
    io = server;
    io.adapter(
      createAdapter(pool, {
        // NOTIFY channels are per database, not per schema: hubs of different schemas must not hear each other.
        channelPrefix: `simpul.${database.schema ?? 'public'}`,
        tableName: ATTACHMENTS_TABLE,
        errorHandler: (err) => ctx.log.warn('cluster relay failed', { err }),
      }),
    );
    const hubs = io.of(CLUSTER_NAMESPACE);
    hubs.use((_socket, next) =>
      next(
        Object.assign(new Error('this namespace is for hubs only'), {
          data: { code: 'forbidden', message: 'this namespace is for hubs only' },
        }),
      ),
    );
    id = (hubs.adapter as unknown as { uid: string }).uid;

    // What this hub relays: one message per event-loop turn, however many events it coalesces.
    let relaying = false; // set while replaying a relayed event locally, so that it is not sent back
    // The turn's work: no event yet (null), hints to merge, or work of unknown takers (undefined: a full round).
    let availablePending: { runners: Set<string>; datasets: Set<string> } | undefined | null = null;
    const lostPending = new Set<string>();
    let flushScheduled = false;
    const flush = () => {
      flushScheduled = false;
      if (stopped) return;
      if (availablePending === undefined) hubs.serverSideEmit(AVAILABLE);
      else if (availablePending)
        hubs.serverSideEmit(AVAILABLE, {
          runners: [...availablePending.runners],
          datasets: [...availablePending.datasets],
        });
      if (lostPending.size) hubs.serverSideEmit(LOST, [...lostPending]);
      availablePending = null;
      lostPending.clear();
    };
    const schedule = () => {
      if (flushScheduled) return;
      flushScheduled = true;
      setImmediate(flush);
    };
    const offAvailable = ctx.events.on('available', (hint) => {
      if (relaying) return;
      if (availablePending === null) availablePending = { runners: new Set(), datasets: new Set() };
      if (!hint) availablePending = undefined;
      else if (availablePending) {
        for (const r of hint.runners) availablePending.runners.add(r);
        for (const d of hint.datasets) availablePending.datasets.add(d);
        if (availablePending.runners.size + availablePending.datasets.size > HINT_MAX) availablePending = undefined;
      }
      schedule();
    });
    const offLost = ctx.events.on('lost', (runnerId) => {
      if (relaying) return;
      lostPending.add(runnerId);
      schedule();
    });
    // A sign-out goes out at once (not coalesced): the other hubs drop the credential from their caches.
    const offSignedOut = ctx.events.on('signedOut', (who) => {
      if (!stopped) hubs.serverSideEmit(SIGNED_OUT, who);
    });
    hubs.on(SIGNED_OUT, (msg: unknown) => {
      const who = SignedOutMessage.safeParse(msg);
      if (!who.success) return ctx.log.warn('cluster message ignored', { event: SIGNED_OUT });
      ctx.events.signedOutElsewhere(who.data);
    });
    const replay = (fn: () => void) => {
      relaying = true;
      try {
        fn();
      } finally {
        relaying = false;
      }
    };
    hubs.on(AVAILABLE, (msg: unknown) => {
      // No hint, or one that does not parse (a hub of another version): every runner with due work is asked.
      const hint = msg === undefined ? undefined : AvailableMessage.safeParse(msg);
      if (hint && !hint.success) ctx.log.warn('cluster hint ignored', { event: AVAILABLE });
      replay(() => ctx.events.available(hint?.success ? hint.data : undefined));
    });
    hubs.on(LOST, (msg: unknown) => {
      const ids = LostMessage.safeParse(msg);
      if (!ids.success) return ctx.log.warn('cluster message ignored', { event: LOST });
      replay(() => ids.data.forEach((r) => ctx.events.lost(r)));
    });

    // Web users: tell the others when this hub gains its first or loses its last, and repeat while there are some.
    const web = io.of(WEB_NAMESPACE);
    let listening = false;
    const announce = (force = false) => {
      const now = web.sockets.size > 0;
      if (stopped || (now === listening && !force)) return;
      listening = now;
      hubs.serverSideEmit(WEB, { hub: id, listening: now } satisfies WebMessage);
    };
    web.on('connection', (socket) => {
      announce();
      socket.on('disconnect', () => setImmediate(() => announce()));
    });
    hubs.on(WEB, (msg: unknown) => {
      const m = WebMessage.safeParse(msg);
      if (!m.success) return ctx.log.warn('cluster message ignored', { event: WEB });
      if (m.data.hub === id) return;
      listeners.heard(m.data.hub, m.data.listening);
      // A hub that just started asks (listening: false) and learns who listens from the answers.
      if (!m.data.listening && listening) announce(true);
    });
    const refresh = setInterval(() => listening && announce(true), REFRESH_MS);
    refresh.unref();
    timers.push(refresh);
    // Ask once the LISTEN connection is surely up.
    const ask = setTimeout(() => hubs.serverSideEmit(WEB, { hub: id, listening: false } satisfies WebMessage), 1000);
    ask.unref();
    timers.push(ask);
    ctx.cluster = { webListening: () => listeners.any() };
    ctx.log.info('cluster relay on', { hub: id, channel: `simpul.${database.schema ?? 'public'}` });

    offs.push(offAvailable, offLost, offSignedOut);
  };
  const offs: (() => void)[] = [];

  return {
    get id() {
      return id;
    },
    attach,
    async stop() {
      stopped = true;
      for (const t of timers) clearTimeout(t);
      for (const off of offs) off();
      ctx.cluster = undefined;
      await pool.end().catch((err) => ctx.log.warn('cluster pool did not close cleanly', { err }));
    },
  };
}
