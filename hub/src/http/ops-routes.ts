// Routes for operators: liveness and readiness probes, Prometheus metrics, the OpenAPI document and the API reference.
import type { Hono } from 'hono';
import { PROTOCOL_VERSION, ROUTES, type HealthReply } from '@simpul/protocol';
import { notFound } from '../errors.ts';
import { readiness } from '../observability/readiness.ts';
import { HUB_VERSION } from '../observability/version.ts';
import { DOCS_CSP, renderDocsPage } from '../openapi/docs-page.ts';
import { buildOpenApi, type OpenApi } from '../openapi/document.ts';
import type { HubEnv } from './env.ts';
import { checkMetricsAccess } from './guards/metrics.ts';

const started = Date.now();

// ROUTES and the schemas do not change while the hub runs: build the document and the page once, on first use.
let built: { doc: OpenApi; page: string } | undefined;
function reference() {
  if (!built) {
    const { doc } = buildOpenApi(HUB_VERSION);
    built = { doc, page: renderDocsPage(doc, ROUTES.openapi.path) };
  }
  return built;
}

export function opsRoutes(app: Hono<HubEnv>): void {
  app.get(ROUTES.healthz.path, (c) => {
    const reply: HealthReply = {
      status: 'ok',
      version: HUB_VERSION,
      protocol_version: PROTOCOL_VERSION,
      uptime_s: Math.round((Date.now() - started) / 1000),
    };
    c.header('Cache-Control', 'no-store');
    return c.json(reply);
  });

  app.get(ROUTES.readyz.path, async (c) => {
    const reply = await readiness(c.get('hub').db);
    c.header('Cache-Control', 'no-store');
    return c.json(reply, reply.status === 'ready' ? 200 : 503);
  });

  app.get(ROUTES.metrics.path, async (c) => {
    checkMetricsAccess(c);
    const hub = c.get('hub');
    if (!hub.metrics) throw notFound('metrics are not collected by this hub');
    const text = await hub.metrics.scrape(hub.db, hub.config);
    return c.body(text, 200, { 'Content-Type': hub.metrics.contentType, 'Cache-Control': 'no-store' });
  });

  app.get(ROUTES.openapi.path, (c) => c.json(reference().doc));

  app.get(ROUTES.apiDocs.path, (c) => {
    c.header('Content-Security-Policy', DOCS_CSP);
    c.header('X-Content-Type-Options', 'nosniff');
    return c.html(reference().page);
  });
}
