// `npm start`: the hub with its embedded database, a demo runner with bundled sample data, and the web app, in one go.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { RestartPolicy } from './lib/restart-policy.ts';
import { Supervisor } from './lib/supervisor.ts';
import { HUB_NODE_FLAGS } from '../hub/src/node-flags.ts';

const root = resolve(import.meta.dirname, '..');
const dataDir = resolve(process.env.SIMPUL_DATA_DIR ?? join(root, '.simpul'));
const port = Number(process.env.SIMPUL_PORT ?? 8080);
const host = process.env.SIMPUL_HOST ?? '127.0.0.1';
const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
mkdirSync(dataDir, { recursive: true, mode: 0o700 });

/** A secret generated once and kept in the data dir (mode 0600), unless the environment sets it. */
function secret(file: string, envName: string, make: () => string): string {
  if (process.env[envName]) return process.env[envName]!;
  const p = join(dataDir, file);
  if (existsSync(p)) return readFileSync(p, 'utf8').trim();
  const v = make();
  writeFileSync(p, `${v}\n`, { mode: 0o600 });
  return v;
}
const adminPassword = secret('demo-admin-password', 'SIMPUL_ADMIN_PASSWORD', () =>
  randomBytes(9).toString('base64url'),
);
const enrollmentKey = secret(
  'demo-enrollment-key',
  'SIMPUL_ENROLLMENT_KEY',
  () => `sme_${randomBytes(24).toString('base64url')}`,
);

if (!existsSync(join(root, 'web', 'build', 'index.html'))) {
  console.log('Building the web app (first start only)…');
  const b = spawnSync('npm', ['run', 'build', '-w', '@simpul/web'], { cwd: root, stdio: 'inherit' });
  if (b.status !== 0) {
    console.error('The web app did not build; see the lines above.');
    process.exit(1);
  }
}

const kids = new Supervisor(root);
process.on('SIGINT', () => kids.shutdown(0));
process.on('SIGTERM', () => kids.shutdown(0));

kids.start({
  name: 'hub',
  script: 'hub/src/main.ts',
  args: [],
  nodeFlags: HUB_NODE_FLAGS,
  env: {
    SIMPUL_DATA_DIR: dataDir,
    SIMPUL_PORT: String(port),
    SIMPUL_HOST: host,
    SIMPUL_ADMIN_PASSWORD: adminPassword,
    SIMPUL_ENROLLMENT_KEY: enrollmentKey,
  },
});

/** This hub answering (its health reply), not some other program on the port. */
async function hubAnswers(): Promise<boolean> {
  try {
    const r = await fetch(`${url}/healthz`);
    const body = (await r.json()) as { status?: unknown; protocol_version?: unknown };
    return r.ok && body.status === 'ok' && typeof body.protocol_version === 'number';
  } catch {
    return false;
  }
}

// Wait for the hub, then start the demo runner next to the bundled data.
const deadline = Date.now() + 60_000;
for (;;) {
  if (await hubAnswers()) break;
  if (Date.now() > deadline || kids.stopping) {
    console.error(`The hub did not answer on ${url} within 60 s.`);
    kids.shutdown(1);
    await new Promise(() => {});
  }
  await new Promise((r) => setTimeout(r, 200));
}

const datasets: { name: string; path: string }[] = [
  { name: 'patients', path: join(root, 'scripts', 'demo', 'data', 'patients.csv') },
];
const vega = join(root, 'node_modules', 'vega-datasets', 'data');
for (const [name, file] of [
  ['seattle-weather', 'seattle-weather.csv'],
  ['penguins', 'penguins.json'],
  ['flights', 'flights-3m.parquet'],
]) {
  if (existsSync(join(vega, file))) datasets.push({ name, path: join(vega, file) });
}
const runnerConfig = join(dataDir, 'demo-runner.json');
writeFileSync(
  runnerConfig,
  JSON.stringify({ hub: url, name: 'demo-runner', enrollment_key: enrollmentKey, labels: ['demo'], datasets }, null, 2),
  { mode: 0o600 },
);
// The demo runner comes back when it exits (crashed, or killed to try failover): the hub stays up meanwhile.
kids.start({
  name: 'demo runner',
  script: 'runner/src/cli.ts',
  args: ['--config', runnerConfig],
  env: {},
  restart: new RestartPolicy(),
});

console.log(`
  Simpul is running.

    Web app:   ${url}
    Log in:    admin / ${adminPassword}
    Runner:    demo-runner, serving ${datasets.map((d) => d.name).join(', ')}
    Enrolment key for more runners: ${enrollmentKey}

  Press Ctrl+C to stop. Data lives in ${dataDir}.
`);
