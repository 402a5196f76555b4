// `npm start` keeps the hub up when the demo runner dies: the runner is restarted (a line in the log says so) and comes
// back online. Needs the built web app (`npm run build -w @simpul/web`), as `npm start` itself does.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Api } from '../lib/api.ts';
import { freePort, type Proc, spawnTs, tempDir, waitFor } from '../lib/procs.ts';

const PASSWORD = 'start-restart-password-1';
let start: Proc;
let api: Api;

const runnerPids = () => [...start.logs.matchAll(/demo runner started \(pid (\d+)\)/g)].map((m) => Number(m[1]));

async function demoRunner(): Promise<{ runner_id: string; online: boolean } | undefined> {
  const r = await api.get('/api/v1/runners');
  return r.body.runners.find((x: { name: string }) => x.name === 'demo-runner');
}

test.before(async () => {
  const port = await freePort();
  start = spawnTs('npm-start', 'scripts/start.ts', [], {
    SIMPUL_DATA_DIR: tempDir('simpul-start-'),
    SIMPUL_PORT: String(port),
    SIMPUL_HOST: '127.0.0.1',
    SIMPUL_ADMIN_PASSWORD: PASSWORD,
  });
  api = new Api(`http://127.0.0.1:${port}`);
  await start.waitLog(/Simpul is running/, 90_000);
  await api.login('admin', PASSWORD);
  await waitFor(async () => (await demoRunner())?.online, 'the demo runner online', 90_000, 200);
});

test.after(async () => {
  await start?.stop();
});

test('killing the demo runner leaves the hub up; the runner is restarted and comes back online', async () => {
  const before = await demoRunner();
  const [pid] = runnerPids();
  assert.ok(pid, `no pid line in:\n${start.logs}`);
  process.kill(pid, 'SIGKILL');
  await start.waitLog(/demo runner exited \(SIGKILL\); restarting it in 1 s \(restart 1\)/, 10_000);
  // The hub answers meanwhile, and `npm start` is still running.
  const health = await fetch(`${api.base}/healthz`);
  assert.is(health.status, 200);
  assert.ok(start.running, 'npm start stopped');
  await waitFor(() => runnerPids().length === 2, 'a second demo runner process', 15_000);
  assert.is.not(runnerPids()[1], pid);
  await waitFor(async () => (await demoRunner())?.online, 'the restarted demo runner online', 90_000, 200);
  // The same runner (its saved credentials), not a new registration.
  assert.is((await demoRunner())?.runner_id, before?.runner_id);
  assert.not.match(start.logs, /shutting down/);
  // The hub runs with its Node flags (it logs a warning naming any it lacks; hub/src/main.test.ts shows that it does).
  assert.match(start.logs, 'Simpul hub is running at');
  assert.not.match(start.logs, "without the hub's flags");
});

test.run();
