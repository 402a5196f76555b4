// The runner process against a real hub process: both transports, the fallback and the way back, restarts, refused tokens.
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SEATTLE_CSV } from '../engine/test-data.ts';
import { type Child, ENROLLMENT_KEY, Hub, HubProxy, startRunner, tempDir, until } from './test-procs.ts';

const rainy = {
  and: [
    { column: 'weather', op: '=', value: 'rain' },
    { column: 'date', op: '>=', value: '2015-01-01' },
  ],
};
// Counted in JS from the file itself, independently of DuckDB.
const RAINY_2015_ON = readFileSync(SEATTLE_CSV, 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((l) => l.split(','))
  .filter((c) => c[5] === 'rain' && c[0] >= '2015-01-01').length;
const config = (hub: string, name: string, extra: Record<string, unknown> = {}) => ({
  hub,
  name,
  enrollment_key: ENROLLMENT_KEY,
  datasets: [{ name: 'weather', path: SEATTLE_CSV }],
  ...extra,
});

let hub: Hub;
const procs: Child[] = [];
test.before(async () => {
  hub = await Hub.start();
});
test.after(async () => {
  for (const p of procs) await p.stop();
  await hub?.proc.stop();
});

test('websocket: connects, advertises its datasets, runs op 100 and 200; a restart re-uses the stored identity', async () => {
  assert.ok(RAINY_2015_ON > 100);
  const r = startRunner(config(hub.url, 'ws-runner'));
  procs.push(r.proc);
  await r.proc.waitFor(
    /simpul-runner ws-runner connected to http:\/\/127\.0\.0\.1:\d+ \(websocket\) serving datasets: weather/,
  );
  const view = await until('the hub to list it', () => hub.runner('ws-runner'));
  assert.is(view.transport, 'websocket');
  assert.is(view.datasets[0].row_count, 1461);
  const fetched = await hub.run({
    runner_id: view.runner_id,
    op: 100,
    params: { dataset: 'weather', limit: 3, offset: 1 },
  });
  assert.is(fetched.status, 'succeeded');
  assert.equal(
    fetched.result.rows.map((x: unknown[]) => x[0]),
    ['2012-01-02', '2012-01-03', '2012-01-04'],
  );
  const filtered = await hub.run({ op: 200, params: { dataset: 'weather', where: rainy, limit: 2 } });
  assert.is(filtered.result.matched_rows, RAINY_2015_ON);

  const statePath = `${r.configPath}.state.json`;
  assert.is(statSync(statePath).mode & 0o777, 0o600);
  const state = JSON.parse(readFileSync(statePath, 'utf8'));
  assert.is(state.runner_id, view.runner_id);
  assert.is(await r.proc.stop(), 0);

  const again = startRunner(config(hub.url, 'ws-runner'), [], r.dir);
  procs.push(again.proc);
  await again.proc.waitFor(/connected to .* \(websocket\)/);
  assert.ok(again.proc.output.includes('re-using the stored runner identity'));
  assert.not.ok(again.proc.output.includes('"msg":"registered"'), 'no second registration');
  const runners = (await hub.call('GET', '/api/v1/runners')).runners.filter(
    (x: { name: string }) => x.name === 'ws-runner',
  );
  assert.is(runners.length, 1);
  assert.is(
    (await hub.run({ runner_id: view.runner_id, op: 100, params: { dataset: 'weather', limit: 1 } })).status,
    'succeeded',
  );
  assert.is(await again.proc.stop(), 0);
});

test('polling: HTTP only, never a socket', async () => {
  const r = startRunner(config(hub.url, 'poll-runner'), ['--transport', 'polling']);
  procs.push(r.proc);
  await r.proc.waitFor(/poll-runner connected to .* \(polling\)/);
  const view = await until('the hub to list it', () => hub.runner('poll-runner'));
  const done = await hub.run({
    runner_id: view.runner_id,
    op: 200,
    params: { dataset: 'weather', where: rainy, limit: 1 },
  });
  assert.is(done.result.matched_rows, RAINY_2015_ON);
  assert.is((await hub.runner('poll-runner')).transport, 'polling');
  assert.not.ok(r.proc.output.includes('websocket'), 'no socket was tried');
  assert.is(await r.proc.stop(), 0);
});

test('websocket blocked: falls back to long-polling, and back to the socket once it works', async () => {
  const proxy = new HubProxy(hub);
  await proxy.listen();
  try {
    const r = startRunner(config(proxy.url, 'fallback-runner'));
    procs.push(r.proc);
    await r.proc.waitFor(/fallback-runner connected to .* \(polling\)/);
    assert.ok(r.proc.output.includes('socket cannot connect; polling over HTTP meanwhile'));
    const view = await until('the hub to list it', () => hub.runner('fallback-runner'));
    const viaPoll = await hub.run({ runner_id: view.runner_id, op: 100, params: { dataset: 'weather', limit: 1 } });
    assert.is(viaPoll.status, 'succeeded');

    proxy.allowUpgrades = true;
    await r.proc.waitFor(/fallback-runner connected to .* \(websocket\)/, 90_000);
    await until(
      'the hub to see the socket',
      async () => (await hub.runner('fallback-runner')).transport === 'websocket',
    );
    const viaSocket = await hub.run({
      runner_id: view.runner_id,
      op: 200,
      params: { dataset: 'weather', where: rainy, limit: 1 },
    });
    assert.is(viaSocket.result.matched_rows, RAINY_2015_ON);
    assert.is(await r.proc.stop(), 0);
  } finally {
    await proxy.close();
  }
});

test('a refused token: without an enrolment key the runner exits 3 and says what to do; with one it registers again', async () => {
  const other = await Hub.start();
  try {
    const r = startRunner(config(other.url, 'orphan', { enrollment_key: undefined }), [
      '--enrollment-key',
      ENROLLMENT_KEY,
    ]);
    await r.proc.waitFor(/connected to .* \(websocket\)/);
    const first = JSON.parse(readFileSync(`${r.configPath}.state.json`, 'utf8')).runner_id;
    assert.is(await r.proc.stop(), 0);
    // The hub loses its data: the stored token means nothing to it any more.
    await other.proc.stop();
    rmSync(other.dataDir, { recursive: true, force: true });
    await other.launch();

    const keyless = startRunner(config(other.url, 'orphan', { enrollment_key: undefined }), [], r.dir);
    assert.is(await keyless.proc.exited, 3);
    assert.match(keyless.proc.output, /the hub refused runner .*'s token .*enrolment key/);
    assert.ok(existsSync(`${r.configPath}.state.json`), 'the state file is kept for the operator to decide');

    const keyed = startRunner(config(other.url, 'orphan'), [], r.dir);
    procs.push(keyed.proc);
    await keyed.proc.waitFor(/registering again with the enrolment key/);
    await keyed.proc.waitFor(/orphan connected to .* \(websocket\)/);
    const second = await until('a new identity on disk', () => {
      const id = JSON.parse(readFileSync(`${r.configPath}.state.json`, 'utf8')).runner_id;
      return id !== first ? id : null;
    });
    assert.is(
      (await other.run({ runner_id: second, op: 100, params: { dataset: 'weather', limit: 1 } })).status,
      'succeeded',
    );
    assert.is(await keyed.proc.stop(), 0);
  } finally {
    await other.proc.stop();
  }
});

test('the hub away: the runner keeps retrying, and a SIGTERM still ends it cleanly', async () => {
  const dir = tempDir('simpul-runner-away-');
  const r = startRunner(config('http://127.0.0.1:9', 'lonely'), [], dir); // nothing listens on the discard port
  await r.proc.waitFor(/cannot register yet; retrying/);
  assert.ok(r.proc.running);
  assert.is(await r.proc.stop(), 0);
});

test.run();
