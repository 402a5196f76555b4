// TLS end to end: `npm run hub -- --tls self-signed` serves HTTPS and WSS; a runner process trusts it with --ca-file and
// works, refuses it without; a runner refuses plain http:// to a hub that is not on this machine unless --insecure.
import { X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Agent, fetch as undiciFetch } from 'undici';
import { stringify } from 'yaml';
import { ADMIN_PASSWORD, ENROLLMENT_KEY } from '../lib/hub.ts';
import { PATIENTS_CSV } from '../lib/data.ts';
import { freePort, type Proc, ROOT, spawnHub, spawnTs, tempDir, waitFor } from '../lib/procs.ts';

const LOGS = join(ROOT, 'test-artifacts', 'logs');
const test = suite('security: TLS');
let hub: Proc;
let base: string;
let caFile: string;
let dispatcher: Agent;
let token: string;
const runners: Proc[] = [];

async function api(method: string, path: string, body?: unknown) {
  const res = await undiciFetch(base + path, {
    method,
    dispatcher,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}

function startRunner(name: string, hubUrl: string, args: string[] = []): Proc {
  const dir = tempDir('simpul-runner-');
  const config = join(dir, 'runner.yaml');
  writeFileSync(
    config,
    stringify({
      hub: hubUrl,
      name,
      enrollment_key: ENROLLMENT_KEY,
      datasets: [{ name: 'patients', path: PATIENTS_CSV }],
    }),
  );
  const p = spawnTs(name, 'runner/src/cli.ts', ['--config', config, ...args], {}, LOGS);
  runners.push(p);
  return p;
}

test.before(async () => {
  const port = await freePort();
  base = `https://127.0.0.1:${port}`;
  hub = spawnHub(
    'hub-tls',
    ['--tls', 'self-signed'],
    {
      SIMPUL_PORT: String(port),
      SIMPUL_HOST: '127.0.0.1',
      SIMPUL_DATA_DIR: tempDir('simpul-hub-'),
      SIMPUL_ADMIN_PASSWORD: ADMIN_PASSWORD,
      SIMPUL_ENROLLMENT_KEY: ENROLLMENT_KEY,
    },
    LOGS,
  );
  await hub.waitLog(/TLS certificate SHA-256 fingerprint: [0-9A-F:]+/, 60_000);
  caFile = /--ca-file (\S+)/.exec(hub.logs)![1];
  dispatcher = new Agent({ connect: { ca: readFileSync(caFile) } });
  await waitFor(async () => (await api('GET', '/healthz')).status === 200, 'the hub over https');
  token = (await api('POST', '/api/v1/auth/login', { username: 'admin', password: ADMIN_PASSWORD })).body.token;
});
test.after(async () => {
  for (const r of runners) await r.stop();
  await hub?.stop();
  await dispatcher?.close();
});

test('the hub prints the fingerprint of the certificate it serves', () => {
  assert.match(hub.logs, /Simpul hub is running at https:\/\/127\.0\.0\.1:\d+/);
  const printed = /fingerprint: ([0-9A-F:]+)/.exec(hub.logs)![1];
  assert.is(printed, new X509Certificate(readFileSync(caFile)).fingerprint256);
});

test('a runner without the CA refuses the hub, and says which option fixes it', async () => {
  const r = startRunner('untrusting', base);
  await r.waitLog(/not trusted by this runner; give its CA with --ca-file/, 60_000);
  assert.is((await api('GET', '/api/v1/runners')).body.runners.length, 0, 'it never enrolled');
  await r.stop();
});

test('a runner with --ca-file enrols, connects over WSS and runs a task', async () => {
  startRunner('trusting', base, ['--ca-file', caFile]);
  const view = await waitFor(
    async () =>
      (await api('GET', '/api/v1/runners')).body.runners.find(
        (x: any) => x.name === 'trusting' && x.online && x.transport === 'websocket',
      ),
    'the runner online over wss',
    120_000,
    200,
  );
  const t = await api('POST', '/api/v1/tasks', {
    op: 100,
    runner_id: view.runner_id,
    params: { dataset: 'patients', limit: 3 },
  });
  assert.is(t.status, 201);
  const done = await waitFor(
    async () => {
      const v = await api('GET', `/api/v1/tasks/${t.body.task_id}`);
      return ['succeeded', 'failed'].includes(v.body.status) ? v.body : undefined;
    },
    'the task to finish',
    60_000,
  );
  assert.is(done.status, 'succeeded', JSON.stringify(done.error));
  const res = await api('GET', `/api/v1/result/${t.body.task_id}`);
  assert.is(res.body.result.rows.length, 3);
});

test('plain http:// to a hub that is not on this machine is refused unless --insecure', async () => {
  const r = startRunner('cleartext', 'http://192.0.2.10:8080');
  assert.is(await r.exited, 2);
  assert.match(r.logs, /refusing to talk to http:\/\/192\.0\.2\.10:8080 over plain http/);
  assert.match(r.logs, /--insecure/);
});

test.run();
