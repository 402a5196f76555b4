// The Hono app: /api/v1 routes, error mapping, body limits, and the web app's static files.
import { Hono, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import { API_PREFIX, ROUTES } from '@simpul/protocol';
import type { HubContext } from '../context.ts';
import { HubError, notFound, toErrorBody, tooLarge, unavailable } from '../errors.ts';
import { blobRoutes } from './blob-routes.ts';
import type { HubEnv } from './env.ts';
import { opsRoutes } from './ops-routes.ts';
import { observeRequests } from '../observability/http-observer.ts';
import { adminRoutes } from './admin-routes.ts';
import { runnerRoutes } from './runner-routes.ts';
import { securityHeaders } from './security-headers.ts';
import { securityRoutes } from './security-routes.ts';
import { siteRoutes } from './site-routes.ts';
import { staticRoutes } from './static.ts';
import { studyRoutes } from './study-routes.ts';
import { taskRoutes } from './task-routes.ts';
import { userRoutes } from './user-routes.ts';

const MiB = 1024 * 1024;

function limit(maxSize: number): MiddlewareHandler<HubEnv> {
  // The rest of the body is never read: close the connection so that the client does not reuse it mid-upload.
  const onError = (c: Parameters<MiddlewareHandler<HubEnv>>[0]) =>
    c.json(tooLarge(`the body is larger than ${maxSize} bytes`).body(), 413, { Connection: 'close' });
  const streamed = bodyLimit({ maxSize, onError });
  return async (c, next) => {
    // From the headers alone when they say the size, or that there is no body: Hono's bodyLimit would look at the
    // body first, which makes the Node adapter build a whole web Request for every request.
    const chunked = c.req.header('transfer-encoding') !== undefined;
    const length = c.req.header('content-length');
    if (chunked) return streamed(c, next);
    if (length !== undefined && Number.parseInt(length, 10) > maxSize) return onError(c);
    await next(); // the size is within the limit, or there is no body (HTTP/1.1: neither a length nor chunks)
  };
}

export function createApp(hub: HubContext): Hono<HubEnv> {
  const app = new Hono<HubEnv>();

  app.use('*', observeRequests(hub)); // outermost: request id, duration and log line for every request
  app.use('*', securityHeaders(hub)); // CSP, HSTS (TLS), nosniff, Referrer-Policy, frame-ancestors
  app.use('*', async (c, next) => {
    c.set('hub', hub);
    // While closing, requests that still arrive on kept-alive connections are turned away.
    if (hub.closing.aborted) {
      c.header('Connection', 'close');
      throw unavailable('the hub is shutting down; retry shortly');
    }
    await next();
  });

  // Results may be up to the inline limit (plus the envelope); batches of tasks are larger than single bodies.
  const resultLimit = limit(hub.config.inlineResultMax + 64 * 1024);
  const batchLimit = limit(8 * MiB);
  const defaultLimit = limit(1 * MiB);
  app.use(`${API_PREFIX}/*`, (c, next) => {
    if (c.req.path === ROUTES.result.path) return resultLimit(c, next);
    if (c.req.path === ROUTES.createTask.path) return batchLimit(c, next);
    if (c.req.method === 'PUT' && c.req.path.startsWith('/api/v1/blobs/')) return next(); // streamed to disk; the blob store checks the size
    return defaultLimit(c, next);
  });

  runnerRoutes(app);
  taskRoutes(app);
  userRoutes(app);
  adminRoutes(app);
  securityRoutes(app);
  siteRoutes(app);
  studyRoutes(app);
  blobRoutes(app);
  opsRoutes(app);

  app.all('/api/*', (c) => {
    throw notFound(`no route ${c.req.method} ${c.req.path}`);
  });

  staticRoutes(app, hub.config.webDir);

  app.notFound((c) => c.json({ error: { code: 'not_found', message: `nothing at ${c.req.path}` } }, 404));

  app.onError((err, c) => {
    if (err instanceof HubError) return c.json(err.body(), err.status, err.headers());
    if (err instanceof HTTPException && err.status < 500) {
      return c.json(
        {
          error: {
            code: err.status === 413 ? 'payload_too_large' : 'bad_request',
            message: err.message || 'bad request',
          },
        },
        err.status,
      );
    }
    hub.log.error('request failed', { method: c.req.method, path: c.req.path, err });
    const { status, body } = toErrorBody(err);
    return c.json(body, status);
  });

  return app;
}
