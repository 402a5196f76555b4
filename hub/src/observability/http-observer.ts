// Every HTTP request: a request id (echoed in x-request-id), a duration by route pattern and status, a debug log line.
import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import type { HubContext } from '../context.ts';
import type { HubEnv } from '../http/env.ts';
import { REQUEST_ID_HEADER, requestIdFrom } from './request-id.ts';

export function observeRequests(hub: HubContext): MiddlewareHandler<HubEnv> {
  return async (c, next) => {
    const started = performance.now();
    const requestId = requestIdFrom(c.req.header(REQUEST_ID_HEADER));
    c.set('requestId', requestId);
    try {
      await next();
    } finally {
      // The pattern (/api/v1/tasks/:task_id), never the raw path: one series per route, not per task.
      const route = routePath(c) || 'unmatched';
      const status = c.res.status;
      const seconds = (performance.now() - started) / 1000;
      hub.metrics?.httpRequest(c.req.method, route, status, seconds);
      try {
        c.res.headers.set(REQUEST_ID_HEADER, requestId);
      } catch {
        // a response with immutable headers keeps them
      }
      const fields = { request_id: requestId, method: c.req.method, route, status, ms: Math.round(seconds * 1000) };
      if (status >= 500) hub.log.warn('http request failed', fields);
      else hub.log.debug('http request', fields);
    }
  };
}
