// What the link is given (runner.ts), and what of it the state machine keeps (link-state.ts `LinkSetup`).
import type { RunnerConfig } from '../config.ts';
import type { Engine } from '../engine/engine.ts';
import type { FatalError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { RunnerState } from '../state.ts';
import type { LinkSetup } from './link-state.ts';

export interface LinkOptions {
  config: RunnerConfig;
  state: RunnerState;
  heartbeatS?: number; // the hub's interval, when registration just told it
  engine: Engine;
  log: Logger;
  /** A new identity after re-registration: persist it. */
  onIdentity(state: RunnerState): void;
  /** Something retrying will not fix: the runner should exit with this error. */
  onFatal(error: FatalError): void;
  /** Print the human "connected" line. */
  announce(line: string): void;
}

const DEFAULT_HEARTBEAT_S = 5;

export function linkSetup(config: RunnerConfig): LinkSetup {
  return { transport: config.transport, hubs: config.hubs.length, fixedHeartbeat: config.heartbeat_s !== undefined };
}

/** The configured interval, else the one registration just told, else a default; the hub's replies may change it. */
export function firstHeartbeatMs(opts: Pick<LinkOptions, 'config' | 'heartbeatS'>): number {
  return 1000 * (opts.config.heartbeat_s ?? opts.heartbeatS ?? DEFAULT_HEARTBEAT_S);
}
