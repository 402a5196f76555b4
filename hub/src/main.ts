// CLI entry (`npm run hub`): start the hub, print how to reach it, stop cleanly on SIGTERM/SIGINT.
import { ConfigError, type HubConfig, loadConfig } from './config.ts';
import { createHub } from './server.ts';
import { adminCli } from './admin/cli.ts';
import { tlsFromFlags } from './tls/flags.ts';
import { missingNodeFlags } from './node-flags.ts';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === 'admin') process.exit(await adminCli(args.slice(1), process.env)); // admin create --username …
  let config: HubConfig;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }

  const tls = await tlsFromFlags(args, config).catch((err: Error) => {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }); // --tls self-signed, or SIMPUL_TLS_CERT/KEY: HTTPS and WSS
  config = tls.config;
  const hub = await createHub(config);
  // Before the hub says it is running: whoever reads that line may stop it at once, and a stop must drain, not kill.
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
  const missing = missingNodeFlags();
  if (missing.length > 0)
    hub.ctx.log.warn(
      "node was started without the hub's flags: an idle fleet costs more CPU (npm run hub passes them)",
      { missing },
    );
  const lines = [``, `Simpul hub is running at ${hub.url}`];
  if (hub.adminPassword) lines.push(`  admin login (shown once): admin / ${hub.adminPassword}`);
  else lines.push(`  log in as admin${config.adminPassword ? ' with SIMPUL_ADMIN_PASSWORD' : ''}`);
  const key = hub.enrollmentKey;
  lines.push(
    `  runner enrolment key: ${key.key}${key.generated ? ' (generated now)' : ''}${key.file ? `  [kept in ${key.file}]` : ''}`,
  );
  lines.push(...tls.lines, ``);
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((err) => {
  const e = err as NodeJS.ErrnoException & { port?: number; address?: string };
  if (e?.code === 'EADDRINUSE' || e?.code === 'EACCES') {
    const where = `port ${e.port ?? process.env.SIMPUL_PORT ?? 8080} on ${e.address ?? process.env.SIMPUL_HOST ?? '127.0.0.1'}`;
    const why =
      e.code === 'EADDRINUSE' ? 'is in use by another program (or another Simpul hub)' : 'may not be used by this user';
    process.stderr.write(
      `hub failed to start: ${where} ${why}. Stop that program, or choose another port: SIMPUL_PORT=8081\n`,
    );
    process.exit(1);
  }
  process.stderr.write(`hub failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
