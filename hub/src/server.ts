// createHub(config): database, HTTP API, Socket.IO and the reaper on one port; usable in-process by tests.
import { mkdirSync } from 'node:fs';
import type { Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { createAdaptorServer } from '@hono/node-server';
import type { Hono } from 'hono';
import { RUNNER_NAMESPACE, WEB_NAMESPACE } from '@simpul/protocol';
import { ensureAdmin, ensureEnrollmentKey, type EnrollmentKeyInfo } from './auth/bootstrap.ts';
import { BlobService } from './blobs/service.ts';
import type { HubConfig } from './config.ts';
import type { HubContext } from './context.ts';
import { openDatabase } from './db/connect.ts';
import type { Db } from './db/schema.ts';
import { createApp } from './http/app.ts';
import type { HubEnv } from './http/env.ts';
import { createLogger, type Logger } from './log.ts';
import { extendAllLeases } from './queue/leases.ts';
import { Notifier } from './queue/notifier.ts';
import { startReaper } from './queue/reaper.ts';
import { attachSockets, type HubIo } from './socket/attach.ts';
import { serveOptions } from './tls/tls.ts';
import { HubMetrics } from './observability/metrics.ts';
import { observeSockets } from './observability/socket-observer.ts';
import { openCluster, type Cluster } from './cluster/cluster.ts';
import { startStudies } from './studies/driver.ts';
import { RunnerSockets } from './socket/presence.ts';

export interface Hub {
  url: string; // e.g. http://127.0.0.1:8080
  port: number;
  app: Hono<HubEnv>;
  io: HubIo;
  db: Db;
  ctx: HubContext;
  enrollmentKey: EnrollmentKeyInfo;
  /** Set only when this start generated the admin password (print it once). */
  adminPassword?: string;
  /** Graceful stop: refuse new work, answer long-polls, close sockets and the database. */
  close(): Promise<void>;
}

export interface HubOptions {
  log?: Logger;
  /** How long close() waits for in-flight requests before cutting connections. */
  drainMs?: number;
}

const ACCEPT_BACKLOG = 65_535;
const SOCKET_CLOSE_GRACE_MS = 1000;

/** The connections upgraded to WebSockets (the HTTP server no longer closes them itself). */
function trackUpgraded(server: HttpServer): Set<Duplex> {
  const upgraded = new Set<Duplex>();
  server.on('upgrade', (_req, socket: Duplex) => {
    upgraded.add(socket);
    socket.once('close', () => upgraded.delete(socket));
  });
  return upgraded;
}

function listen(app: Hono<HubEnv>, config: HubConfig): Promise<HttpServer> {
  return new Promise((resolve, reject) => {
    // With SIMPUL_TLS_CERT/KEY: an HTTPS server, so Socket.IO answers WSS on the same port.
    const server = createAdaptorServer({ fetch: app.fetch, ...serveOptions(config.security.tls) }) as HttpServer;
    server.once('error', reject);
    server.once('listening', () => {
      server.off('error', reject);
      resolve(server);
    });
    // A long accept queue: after a restart thousands of runners connect within seconds, and a connection the kernel
    // cannot queue is dropped and retried by the client's TCP only a second or more later (capped by net.core.somaxconn).
    server.listen({ port: config.port, host: config.host, backlog: ACCEPT_BACKLOG });
  });
}

function urlOf(host: string, port: number): string {
  const h = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '[::1]' : host.includes(':') ? `[${host}]` : host;
  return `http://${h}:${port}`;
}

export async function createHub(config: HubConfig, options: HubOptions = {}): Promise<Hub> {
  const log = options.log ?? createLogger(config.logLevel, { svc: 'hub' });
  mkdirSync(config.dataDir, { recursive: true });
  const database = await openDatabase(config.database);
  const closing = new AbortController();
  const sockets = new RunnerSockets();
  const ctx: HubContext = {
    config,
    db: database.db,
    kind: database.kind,
    log,
    events: new Notifier(),
    presence: sockets,
    closing: closing.signal,
    metrics: new HubMetrics(),
  };

  let server: HttpServer;
  let enrollmentKey: EnrollmentKeyInfo;
  let adminPassword: string | undefined;
  let cluster: Cluster | undefined;
  const app = createApp(ctx);
  try {
    ctx.blobs = await BlobService.open(config, database.db, log);
    adminPassword = await ensureAdmin(ctx);
    enrollmentKey = await ensureEnrollmentKey(ctx);
    // Runners get a full lease TTL to reconnect to a restarted hub and say which tasks they still hold.
    const extended = await extendAllLeases(ctx);
    if (extended) log.info('leases extended for reconnecting runners', { tasks: extended });
    cluster = await openCluster(ctx); // PostgreSQL: relay to the other hubs on the same database
    server = await listen(app, config);
  } catch (err) {
    await cluster?.stop();
    await database.close();
    throw err;
  }

  const io = attachSockets(server, ctx, sockets);
  const upgraded = trackUpgraded(server);
  observeSockets(io.io, ctx.metrics!, [RUNNER_NAMESPACE, WEB_NAMESPACE]);
  cluster?.attach(io.io); // at once, before any socket joins a room
  const reaper = startReaper(ctx, () => io.dispatcher.kick());
  const studies = startStudies(ctx, io.io.of(WEB_NAMESPACE));
  const port = (server.address() as AddressInfo).port;
  const url = urlOf(config.host, port).replace(/^http:/, config.security.tls ? 'https:' : 'http:');
  log.info('hub listening', { url, database: database.kind });

  let closed: Promise<void> | undefined;
  const close = () =>
    (closed ??= (async () => {
      log.info('hub shutting down');
      closing.abort(); // long-polls answer empty now; new sockets are refused
      await reaper.stop();
      await studies.stop();
      // Stop accepting; in-flight requests finish; connections still open after the drain time are cut.
      const drained = new Promise<void>((resolve) => server.close(() => resolve()));
      // Kept-alive connections are closed as soon as they fall idle, the rest after the drain time.
      const idle = setInterval(() => server.closeIdleConnections(), 100);
      server.closeIdleConnections();
      const timer = setTimeout(() => server.closeAllConnections(), options.drainMs ?? 10_000);
      // Every socket is told goodbye (a WebSocket close frame); one whose peer has not closed it within a second is cut,
      // so that a hub with thousands of runners stops (and comes back) in seconds. The runners reconnect either way.
      const cut = setTimeout(() => {
        for (const s of upgraded) s.destroy();
      }, SOCKET_CLOSE_GRACE_MS);
      await io.close(); // disconnects sockets and closes the engine; resolves once the HTTP server has closed
      clearTimeout(cut);
      await drained;
      clearTimeout(timer);
      clearInterval(idle);
      await cluster?.stop();
      ctx.blobs?.close();
      await database.close();
      log.info('hub stopped');
    })());

  return { url, port, app, io: io.io, db: database.db, ctx, enrollmentKey, adminPassword, close };
}
