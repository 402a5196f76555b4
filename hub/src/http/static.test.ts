import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestHub, tempDir, type TestHub } from '../testing/support.ts';
import { call } from '../testing/http.ts';

const test = suite<{ hub: TestHub; web: string }>('http static', {} as { hub: TestHub; web: string });
test.before(async (c) => {
  c.web = tempDir('simpul-web-');
  c.hub = await startTestHub({ SIMPUL_WEB_DIR: c.web });
});
test.after(async (c) => {
  await c.hub.cleanup();
});

test('without a build, / says how to build it', async ({ hub }) => {
  const r = await call(hub.url, 'GET', '/');
  assert.is(r.status, 200);
  assert.match(r.body, 'npm run build');
  // The policy before a build: no inline script may run (the one after a build is the build's own, see tls.test.ts).
  const csp = (r.headers.get('content-security-policy') ?? '').split(';').map((d) => d.trim());
  assert.is(
    csp.find((d) => d.startsWith('script-src')),
    "script-src 'self'",
  );
  assert.ok(csp.includes("frame-ancestors 'none'"));
});

test('with a build: files, long-cached immutable assets, SPA fallback, API untouched', async ({ hub, web }) => {
  mkdirSync(path.join(web, '_app', 'immutable'), { recursive: true });
  writeFileSync(path.join(web, 'index.html'), '<!doctype html><title>Simpul</title><div id="app"></div>');
  writeFileSync(path.join(web, '_app', 'immutable', 'app.abc123.js'), 'console.log(1)');
  writeFileSync(path.join(web, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');

  const index = await call(hub.url, 'GET', '/');
  assert.is(index.status, 200);
  assert.match(index.body, '<title>Simpul</title>');
  assert.is(index.headers.get('cache-control'), 'no-cache');

  const asset = await call(hub.url, 'GET', '/_app/immutable/app.abc123.js');
  assert.is(asset.status, 200);
  assert.match(asset.headers.get('content-type') ?? '', 'javascript');
  assert.match(asset.headers.get('cache-control') ?? '', 'immutable');

  const icon = await call(hub.url, 'GET', '/favicon.svg');
  assert.match(icon.headers.get('content-type') ?? '', 'svg');
  assert.is(
    icon.headers.get('cache-control'),
    'public, max-age=3600',
    'browsers ask for the icon on every page change',
  );

  const route = await call(hub.url, 'GET', '/tasks/t123');
  assert.is(route.status, 200);
  assert.match(route.body, '<title>Simpul</title>', 'client-side routes get the app shell');

  assert.is((await call(hub.url, 'GET', '/_app/immutable/missing.js')).status, 404);
  for (const sneaky of ['/..%2f..%2f..%2fetc%2fpasswd', '/%2e%2e/%2e%2e/etc/passwd']) {
    const r = await call(hub.url, 'GET', sneaky);
    assert.not.match(String(r.body), 'root:', 'no file outside the build is served');
  }
  const api = await call(hub.url, 'GET', '/api/v1/unknown');
  assert.is(api.status, 404);
  assert.is(api.body.error.code, 'not_found');
});

test.run();
