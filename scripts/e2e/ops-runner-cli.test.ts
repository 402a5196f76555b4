// The runner's command line against a real hub: init writes a config that runs, check sees hub and identity (and TLS), status follows a task.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PATIENTS_CSV } from '../lib/data.ts';
import { ENROLLMENT_KEY, HubProc } from '../lib/hub.ts';
import { HeldTable } from '../lib/pg-held.ts';
import { freePort, type Proc, spawnHub, spawnTs, tempDir, waitFor } from '../lib/procs.ts';

const dir = tempDir('simpul-cli-e2e-');
let hub: HubProc;
let runner: Proc | undefined;
let held: HeldTable;
const config = join(dir, 'runner.yaml');

/** One run of `simpul-runner ARGS` to its end. */
async function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; out: string }> {
  const p = spawnTs(`cli-${args[0]}`, 'runner/src/cli.ts', args, env);
  const code = await p.exited;
  return { code, out: p.logs };
}

test.before(async () => {
  hub = await HubProc.start({ env: { SIMPUL_HEARTBEAT_S: '1' } });
  held = await HeldTable.create('simpul_cli');
});
test.after(async () => {
  await runner?.stop();
  await hub?.stop();
  await held?.drop();
});

test('init against a running hub: checks the datasets and the hub, and the config it writes runs', async () => {
  const sites = join(dir, 'sites.csv');
  writeFileSync(sites, 'site,beds\neast,120\nwest,80\n');
  const r = await cli([
    'init',
    '--config',
    config,
    '--hub',
    hub.url,
    '--enrollment-key',
    ENROLLMENT_KEY,
    '--name',
    'cli-runner',
    '--dataset',
    `patients=${PATIENTS_CSV}`,
    '--dataset',
    `sites=${sites}`,
  ]);
  assert.is(r.code, 0, r.out);
  assert.match(r.out, /ok {4}dataset patients: csv, 5000 rows/);
  assert.match(r.out, /ok {4}dataset sites: csv, 2 rows/);
  assert.match(r.out, new RegExp(`ok {4}hub ${hub.url}: reachable \\(hub [^,]+, protocol 1\\)`));

  const before = await cli(['check', '--config', config]);
  assert.is(before.code, 0, before.out);
  assert.match(
    before.out,
    /ok {4}identity: no state file yet; the runner registers at first start with its enrolment key/,
  );

  // One more dataset, a table the status test below locks (init takes files; the config is the owner's to extend).
  const d = held.dataset();
  writeFileSync(
    config,
    `${readFileSync(config, 'utf8').trimEnd()}\n  - { name: ${d.name}, format: ${d.format}, connection: "${d.connection}", table: ${d.table} }\n`,
  );
  runner = spawnTs('cli-runner', 'runner/src/cli.ts', ['--config', config], {}, join(dir, 'logs'));
  // Opening the datasets to advertise their schemas takes a while on a busy machine.
  await hub.waitRunnerOnline('cli-runner', true, 120_000).catch((e: Error) => {
    throw new Error(`${e.message}\n${runner?.logs.slice(-3000)}`);
  });
  const c = await hub.api.post('/api/v1/tasks', { op: 100, params: { dataset: 'patients', limit: 2 } });
  assert.is((await hub.api.waitTask(c.body.task_id)).status, 'succeeded');

  const after = await cli(['check', '--config', config]);
  assert.is(after.code, 0, after.out);
  const id = (await hub.runners()).find((x) => x.name === 'cli-runner').runner_id;
  assert.match(after.out, new RegExp(`ok {4}identity: registered as ${id} with ${hub.url}`));
  assert.match(after.out, /all checks passed|no problems/);
});

test('status shows the connection and a running task with its progress, then that the runner stopped', async () => {
  const idle = await cli(['status', '--config', config]);
  assert.is(idle.code, 0, idle.out);
  assert.match(idle.out, /runner cli-runner \([A-Za-z0-9_-]+\) → .*: running, pid \d+/, idle.out);
  assert.match(idle.out, /connection: connected over websocket for /);

  // The task's query waits inside PostgreSQL for the test's lock: it runs for as long as the test needs to see it.
  const lock = await held.hold();
  try {
    const c = await hub.api.post('/api/v1/tasks', {
      op: 200,
      params: { dataset: 'held', where: { column: 'n', op: '>', value: 7 }, limit: 5 },
    });
    const taskId: string = c.body.task_id;
    await lock.blocked();
    const busy = await waitFor(
      async () => {
        const s = await cli(['status', '--config', config]);
        return s.out.includes(taskId) ? s : undefined;
      },
      'status to list the running task',
      60_000,
      100,
    ).catch(async (e: Error) => {
      throw new Error(`${e.message}\n${runner?.logs.slice(-4000)}\n${JSON.stringify(await hub.api.task(taskId))}`);
    });
    assert.is(busy.code, 0);
    assert.match(busy.out, /tasks: 1 of 2 slots in use/);
    assert.match(busy.out, new RegExp(`${taskId}  op 200 \\w+  \\[[#.]{20}\\] +\\d+%`));
    await hub.api.post(`/api/v1/tasks/${taskId}/cancel`);
    assert.is((await hub.api.waitTask(taskId)).status, 'canceled');
  } finally {
    await lock.release();
  }
  await runner!.stop();
  const stopped = await cli(['status', '--config', config]);
  assert.is(stopped.code, 1);
  assert.match(stopped.out, /runner cli-runner .*: stopped \d+s ago/);
  runner = undefined;
});

test('check tells a hub certificate this machine does not trust from one it does', async () => {
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '30',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  const port = await freePort();
  const tlsHub = spawnHub('tls-hub', [], {
    SIMPUL_PORT: String(port),
    SIMPUL_DATA_DIR: tempDir('simpul-tls-hub-'),
    SIMPUL_ADMIN_PASSWORD: 'tls-admin-password',
    SIMPUL_ENROLLMENT_KEY: ENROLLMENT_KEY,
    SIMPUL_TLS_CERT: cert,
    SIMPUL_TLS_KEY: key,
  });
  try {
    await tlsHub.waitLog(/hub listening/);
    const url = `https://localhost:${port}`;
    const cfg = join(dir, 'tls.yaml');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(
      cfg,
      `hub: ${url}\nenrollment_key: ${ENROLLMENT_KEY}\ndatasets:\n  - { name: patients, path: ${PATIENTS_CSV} }\n`,
    );

    const untrusted = await cli(['check', '--config', cfg]);
    assert.is(untrusted.code, 2);
    assert.match(
      untrusted.out,
      new RegExp(
        `FAIL {2}certificate ${url}: not trusted \\(DEPTH_ZERO_SELF_SIGNED_CERT\\); issued to localhost by localhost`,
      ),
    );

    const trusted = await cli(['check', '--config', cfg, '--ca-file', cert]);
    assert.is(trusted.code, 0, trusted.out);
    assert.match(trusted.out, new RegExp(`ok {4}ca_file ${cert}: trusted`));
    assert.match(trusted.out, new RegExp(`ok {4}hub ${url}: reachable`));
    assert.match(
      trusted.out,
      new RegExp(
        `ok {4}certificate ${url}: valid, issued to localhost by localhost, valid until \\d{4}-\\d\\d-\\d\\d \\(\\d+ days left\\)`,
      ),
    );
  } finally {
    await tlsHub.stop();
  }
});

test.run();
