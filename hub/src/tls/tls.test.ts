// HTTPS and WSS on one port with a self-signed certificate; security headers; the /web socket's Origin rule.
import { request } from 'node:https';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { io } from 'socket.io-client';
import { WEB_NAMESPACE } from '@simpul/protocol';
import { startTestHub, tempDir, type TestHub } from '../testing/support.ts';
import { call, login } from '../testing/http.ts';
import { connectWeb, type ConnectError } from '../testing/sockets.ts';
import { metaCsp } from '../http/security-headers.ts';
import { ensureSelfSigned, fingerprintOf } from './tls.ts';

const META = "default-src 'self'; script-src 'self' 'sha256-abc='; style-src 'self'";

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** HTTPS with our own CA list (fetch in Node 20 cannot take one). */
function httpsCall(
  url: string,
  ca: Buffer | undefined,
  opts: { method?: string; body?: string; headers?: Record<string, string> } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: opts.method ?? 'GET', ca, headers: { 'content-type': 'application/json', ...opts.headers } },
      (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

const test = suite<{ plain: TestHub; tls: TestHub; ca: Buffer; dirs: string }>('tls and headers', {} as never);
test.before(async (c) => {
  c.dirs = tempDir('simpul-tls-');
  const web = path.join(c.dirs, 'web');
  mkdirSync(web, { recursive: true });
  writeFileSync(
    path.join(web, 'index.html'),
    `<!doctype html><html><head><meta http-equiv="content-security-policy" content="${META}"></head><body>app</body></html>`,
  );
  c.plain = await startTestHub({ SIMPUL_WEB_DIR: web });
  const cert = await ensureSelfSigned(c.dirs, '127.0.0.1');
  c.ca = readFileSync(cert.cert);
  c.tls = await startTestHub({ SIMPUL_TLS_CERT: cert.cert, SIMPUL_TLS_KEY: cert.key, SIMPUL_HOST: '127.0.0.1' });
});
test.after(async (c) => {
  await c.plain?.cleanup();
  await c.tls?.cleanup();
});

test('the web app gets its own meta CSP as a header plus frame-ancestors; API replies a locked-down one', async ({
  plain,
}) => {
  assert.is(metaCsp(`<meta http-equiv="Content-Security-Policy" content="${META};">`), META);
  const page = await fetch(`${plain.url}/tasks/abc`);
  assert.is(page.status, 200);
  assert.is(page.headers.get('content-security-policy'), `${META}; frame-ancestors 'none'`);
  assert.is(page.headers.get('x-content-type-options'), 'nosniff');
  assert.is(page.headers.get('referrer-policy'), 'no-referrer');
  assert.is(page.headers.get('x-frame-options'), 'DENY');
  assert.is(page.headers.get('strict-transport-security'), null, 'no HSTS over plain http');
  const api = await fetch(`${plain.url}/api/v1/auth/me`);
  assert.is(api.headers.get('content-security-policy'), "default-src 'none'; frame-ancestors 'none'");
  assert.is(api.headers.get('x-content-type-options'), 'nosniff');
});

test('with a certificate the hub speaks HTTPS (HSTS, Secure cookie) and refuses clients that do not trust it', async ({
  tls,
  ca,
}) => {
  assert.match(tls.url, /^https:\/\//);
  const refused = await httpsCall(`${tls.url}/api/v1/auth/me`, undefined).catch(
    (e: Error & { code?: string }) => e.code,
  );
  assert.is(refused, 'DEPTH_ZERO_SELF_SIGNED_CERT');
  const me = await httpsCall(`${tls.url}/api/v1/auth/me`, ca);
  assert.is(me.status, 401);
  assert.is(me.headers['strict-transport-security'], 'max-age=15552000');
  const login = await httpsCall(`${tls.url}/api/v1/auth/login`, ca, {
    method: 'POST',
    body: JSON.stringify({ username: 'admin', password: 'admin-password' }),
  });
  assert.is(login.status, 200);
  const cookie = String(login.headers['set-cookie']);
  assert.match(cookie, /Secure/);
  assert.match(cookie, /HttpOnly/);
  const session = cookie.split(';')[0];
  const body = JSON.stringify({ op: 100, params: { dataset: 'd' } });
  const same = await httpsCall(`${tls.url}/api/v1/tasks`, ca, {
    method: 'POST',
    body,
    headers: { cookie: session, origin: tls.url },
  });
  assert.is(same.status, 201, 'the https origin is the hub’s own');
  const cross = await httpsCall(`${tls.url}/api/v1/tasks`, ca, {
    method: 'POST',
    body,
    headers: { cookie: session, origin: tls.url.replace('https:', 'http:') },
  });
  assert.is(cross.status, 403);
});

test('WSS on the same port: a client with the CA connects, one without it cannot', async ({ tls, ca }) => {
  const token = JSON.parse(
    (
      await httpsCall(`${tls.url}/api/v1/auth/login`, ca, {
        method: 'POST',
        body: JSON.stringify({ username: 'admin', password: 'admin-password' }),
      })
    ).body,
  ).token;
  const connect = (withCa: boolean) =>
    new Promise<string>((resolve) => {
      const s = io(tls.url + WEB_NAMESPACE, {
        transports: ['websocket'],
        reconnection: false,
        forceNew: true,
        auth: { token },
        ...(withCa ? { ca: ca.toString() } : {}),
      });
      s.on('connect', () => {
        s.close();
        resolve('connected');
      });
      s.on('connect_error', (e) => {
        s.close();
        resolve(`refused: ${e.message}`);
      });
    });
  assert.is(await connect(true), 'connected');
  assert.match(await connect(false), /refused/);
});

test('the /web socket takes clients without an Origin, and refuses a foreign Origin even with valid credentials', async ({
  plain,
}) => {
  const { token, cookie } = await login(plain.url, 'admin', 'admin-password');
  const bare = await connectWeb(plain.url, { token });
  bare.close();
  const byCookie = await connectWeb(plain.url, { headers: { cookie } });
  byCookie.close();
  const foreign = await connectWeb(plain.url, { token, headers: { origin: 'http://evil.example' } }).catch(
    (e: ConnectError) => e,
  );
  assert.is((foreign as ConnectError).data?.code, 'forbidden');
  const own = await connectWeb(plain.url, { headers: { cookie, origin: plain.url } });
  own.close();
  assert.is((await call(plain.url, 'GET', '/api/v1/auth/me', { token })).status, 200);
});

test('the self-signed certificate is kept and re-used, with a stable fingerprint', async ({ dirs }) => {
  const again = await ensureSelfSigned(dirs, '127.0.0.1');
  assert.is(again.created, false);
  assert.match(fingerprintOf(readFileSync(again.cert)), /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  assert.is(readFileSync(again.key).length > 100, true);
});

test.run();
