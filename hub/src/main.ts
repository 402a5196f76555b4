// CLI entry (`npm run hub`): start the hub, print how to reach it, stop cleanly on SIGTERM/SIGINT.
import { ConfigError, loadConfig } from './config.ts';
import { createHub } from './server.ts';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }

  const hub = await createHub(config);
  const lines = [``, `Simpul hub is running at ${hub.url}`];
  if (hub.adminPassword) lines.push(`  admin login (shown once): admin / ${hub.adminPassword}`);
  else lines.push(`  log in as admin${config.adminPassword ? ' with SIMPUL_ADMIN_PASSWORD' : ''}`);
  const key = hub.enrollmentKey;
  lines.push(`  runner enrolment key: ${key.key}${key.generated ? ' (generated now)' : ''}${key.file ? `  [kept in ${key.file}]` : ''}`);
  lines.push(``);
  process.stdout.write(lines.join('\n') + '\n');

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    hub.ctx.log.info('signal received', { signal });
    hub.close().then(
      () => process.exit(0),
      (err) => {
        hub.ctx.log.error('shutdown failed', { err });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err) => {
  process.stderr.write(`hub failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
