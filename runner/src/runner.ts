// Wires config, identity, engine, executor and link together, and owns the process lifecycle (signals, drain, exit code).
import { BlobClient } from './blobs/blob-client.ts';
import type { RunnerConfig } from './config.ts';
import { HubApi } from './connection/hub-api.ts';
import { Link } from './connection/link.ts';
import { registerRunner } from './connection/register.ts';
import { Engine } from './engine/engine.ts';
import { ConfigError, EXIT, type ExitCode, FatalError, errorMessage } from './errors.ts';
import { Executor } from './executor.ts';
import { type Logger, tapProblems } from './log.ts';
import { readState, writeState } from './state.ts';
import { AuditLog } from './audit-log.ts';
import { HeldStore } from './disclosure/held-store.ts';
import { RowLedger } from './disclosure/ledger.ts';
import { disclosurePaths } from './disclosure/paths.ts';
import { loadSalt } from './disclosure/record-key.ts';
import { watchToken } from './token-watch.ts';
import { statusPathFor } from './status/file.ts';
import { RecentProblems } from './status/problems.ts';
import { StatusWriter } from './status/writer.ts';

export interface RunOptions {
  log: Logger;
  announce?: (line: string) => void;
  /** Resolves when the runner should stop (SIGTERM/SIGINT in the CLI). */
  stop: AbortSignal;
}

export async function runRunner(config: RunnerConfig, opts: RunOptions): Promise<ExitCode> {
  // Warnings and errors are also kept for the status file (`simpul-runner status`).
  const problems = new RecentProblems();
  const log = tapProblems(opts.log, problems.add);
  const announce = opts.announce ?? ((line: string) => process.stdout.write(`${line}\n`));
  if (!config.datasets.length)
    log.warn('no datasets configured: this runner will accept tasks but every one will fail with dataset_not_found');
  const engine = await Engine.open(config.duckdb, config.datasets, log, { cacheDir: config.cache_dir });
  try {
    let state = readState(config.state);
    if (state && !config.hubs.includes(state.hub)) {
      log.warn('the state file belongs to another hub; registering with this one', {
        state_hub: state.hub,
        hub: config.hub,
        state: config.state,
      });
      state = null;
    }
    let heartbeatS: number | undefined;
    if (state) log.info('re-using the stored runner identity', { runner_id: state.runner_id, state: config.state });
    else {
      const reg = await registerRunner(new HubApi(config.hub), config, engine, log, opts.stop);
      state = reg.state;
      heartbeatS = reg.heartbeat_interval_s;
      writeState(config.state, state);
      log.info('runner identity saved', { state: config.state });
    }

    let fatal: FatalError | null = null;
    const fatalSignal = new AbortController();
    const link = new Link({
      config,
      state,
      heartbeatS,
      engine,
      log,
      announce,
      onIdentity: (s) => writeState(config.state, s),
      onFatal: (e) => {
        fatal ??= e;
        fatalSignal.abort();
      },
    });
    const audit = new AuditLog(config.audit_log, () => link.api.base, log);
    const paths = disclosurePaths(config.state);
    const disclosure = {
      ledger: new RowLedger(paths.ledger),
      held: new HeldStore(paths.held),
      salt: loadSalt(paths.secret),
    };
    const executor = new Executor({
      concurrency: config.concurrency,
      name: config.name,
      engine,
      reporter: link,
      log,
      blobs: new BlobClient(link.api, log),
      audit,
      disclosure,
    });
    executor.resumeHeldResults(); // results held for review before a restart wait again, under the leases they had
    link.attach(executor);
    link.start();
    const unwatch = watchToken(
      config.state,
      () => link.runnerId,
      (token) => link.adoptToken(token),
      log,
    ); // rotate-token
    opts.stop.addEventListener('abort', unwatch, { once: true });
    fatalSignal.signal.addEventListener('abort', unwatch, { once: true });
    const status = new StatusWriter(statusPathFor(config.state), { config, link, executor, problems });
    status.start();

    await new Promise<void>((resolve) => {
      if (opts.stop.aborted || fatalSignal.signal.aborted) return resolve();
      opts.stop.addEventListener('abort', () => resolve(), { once: true });
      fatalSignal.signal.addEventListener('abort', () => resolve(), { once: true });
    });

    if (fatal) {
      link.close();
      await executor.drain(0);
      status.stop();
      throw fatal;
    }
    log.info('shutting down: finishing running tasks', { grace_s: config.grace_s, running: executor.active() });
    const outcome = await link.drain(config.grace_s * 1000);
    status.stop();
    log.info('stopped', outcome);
    return EXIT.ok;
  } catch (e) {
    if (e instanceof FatalError) throw e;
    if (e instanceof ConfigError) throw new FatalError(EXIT.usage, e.message);
    if (opts.stop.aborted) return EXIT.ok; // stopped while registering
    throw new FatalError(EXIT.failure, errorMessage(e));
  } finally {
    await engine.close();
  }
}
