// Serves the built web app at / with a fallback to index.html for client-side routes.
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Hono, MiddlewareHandler } from 'hono';
import { serveStatic } from '@hono/node-server/serve-static';
import type { HubEnv } from './env.ts';

const MISSING_BUILD = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Simpul hub</title></head>
<body style="font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;line-height:1.5">
<h1>Simpul hub is running</h1>
<p>The web app has not been built yet. Run <code>npm run build</code> in the project folder, then reload this page.</p>
<p>The API answers under <code>/api/v1</code>.</p></body></html>`;

export function staticRoutes(app: Hono<HubEnv>, webDir: string): void {
  const index = path.join(webDir, 'index.html');
  // Made on first use: the build may appear after the hub started (and serveStatic complains about a missing root).
  let handlers: { files: MiddlewareHandler<HubEnv>; fallback: MiddlewareHandler<HubEnv> } | undefined;
  const make = () => ({
    files: serveStatic<HubEnv>({
      root: webDir,
      onFound: (file, c) => {
        // Hashed file names never change content: cache them for good. Pages are revalidated; other files (the icon,
        // which browsers ask for again on every page change) are kept for an hour.
        const immutable = file.includes(`${path.sep}_app${path.sep}immutable${path.sep}`);
        const page = file.endsWith('.html') || file.endsWith('.json');
        c.header(
          'Cache-Control',
          immutable ? 'public, max-age=31536000, immutable' : page ? 'no-cache' : 'public, max-age=3600',
        );
      },
    }),
    fallback: serveStatic<HubEnv>({
      root: webDir,
      path: 'index.html',
      onFound: (_f, c) => c.header('Cache-Control', 'no-cache'),
    }),
  });

  app.get(
    '*',
    async (c, next) => {
      if (c.req.path.startsWith('/api/') || c.req.path.startsWith('/socket.io/')) return next();
      if (!existsSync(index)) return c.html(MISSING_BUILD);
      handlers ??= make();
      return handlers.files(c, next);
    },
    // Not a file: a client-side route, answered by the app's shell. Missing assets stay 404.
    async (c, next) => {
      if (c.req.path.startsWith('/api/') || c.req.path.startsWith('/socket.io/') || c.req.path.startsWith('/_app/'))
        return next();
      handlers ??= make();
      return handlers.fallback(c, next);
    },
  );
}
