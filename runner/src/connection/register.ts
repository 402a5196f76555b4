// Enrolment: trade the enrolment key for a runner id and token, retrying while the hub cannot be reached.
import { PROTOCOL_VERSION } from '@simpul/protocol';
import { backoffMs, sleep } from '../backoff.ts';
import type { RunnerConfig } from '../config.ts';
import type { Engine } from '../engine/engine.ts';
import { EXIT, FatalError, HubError, errorMessage } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { RunnerState } from '../state.ts';
import { RUNNER_VERSION } from '../version.ts';
import type { HubApi } from './hub-api.ts';

export interface Registration {
  state: RunnerState;
  heartbeat_interval_s: number;
}

export async function registerRunner(
  api: HubApi,
  config: RunnerConfig,
  engine: Engine,
  log: Logger,
  signal?: AbortSignal,
): Promise<Registration> {
  const key = config.enrollment_key;
  if (!key) {
    throw new FatalError(
      EXIT.auth,
      `this runner is not registered with ${config.hub} yet (no state file at ${config.state}) and has no enrolment key. Pass --enrollment-key KEY (or set enrollment_key in the config, or SIMPUL_RUNNER_ENROLLMENT_KEY); the hub prints one at first start.`,
    );
  }
  for (let attempt = 0; ; attempt++) {
    signal?.throwIfAborted();
    try {
      const reply = await api.register({
        enrollment_key: key,
        name: config.name,
        labels: config.labels,
        datasets: engine.datasets(),
        protocol_version: PROTOCOL_VERSION,
        version: RUNNER_VERSION,
      });
      log.info('registered', { runner_id: reply.runner_id, hub: api.base });
      return {
        state: {
          hub: api.base,
          runner_id: reply.runner_id,
          token: reply.token,
          registered_at: new Date().toISOString(),
        },
        heartbeat_interval_s: reply.heartbeat_interval_s,
      };
    } catch (e) {
      if (e instanceof HubError) {
        if (e.code === 'protocol_mismatch') throw new FatalError(EXIT.protocol, e.message);
        if (e.status === 401 || e.status === 403)
          throw new FatalError(
            EXIT.auth,
            `the hub refused the enrolment key: ${e.message}. Ask the hub's admin for a valid key.`,
          );
        if (e.status >= 400 && e.status < 500 && e.status !== 429)
          throw new FatalError(EXIT.usage, `the hub rejected the registration: ${e.message}`);
      }
      const wait = backoffMs(attempt, 1000, 30_000);
      log.warn('cannot register yet; retrying', { hub: api.base, error: errorMessage(e), retry_in_ms: wait });
      // Several hubs of one cluster: try the next one.
      if (config.hubs.length > 1) api.setBase(config.hubs[(config.hubs.indexOf(api.base) + 1) % config.hubs.length]);
      await sleep(wait, signal);
    }
  }
}

/**
 * Whether a runner whose token the hub refused may register again: it needs an enrolment key, and gives up after 3
 * registrations within a minute. The error says what to do; `history` holds the recent registrations' times.
 */
export function registerAgainRefusal(
  config: RunnerConfig,
  runnerId: string,
  why: string,
  history: number[],
  log?: Logger,
  now = Date.now(),
): FatalError | null {
  if (!config.enrollment_key) {
    return new FatalError(
      EXIT.auth,
      `the hub refused runner ${runnerId}'s token (${why}): it was revoked, or the hub's data was reset. Give the runner an enrolment key (--enrollment-key, enrollment_key in the config, or SIMPUL_RUNNER_ENROLLMENT_KEY) to register again, or delete ${config.state} and start it with one.`,
    );
  }
  history.splice(0, history.length, ...history.filter((t) => now - t < 60_000));
  if (history.length >= 3)
    return new FatalError(
      EXIT.auth,
      `the hub keeps refusing this runner's token right after registering (${why}); giving up`,
    );
  history.push(now);
  log?.warn('the hub refused our token; registering again with the enrolment key', {
    runner_id: runnerId,
    reason: why,
  });
  return null;
}

/** Registers again under a new identity (the hub refused our token) and hands the new one to the runner to persist;
 *  undefined (after a fatal stop) when that fails. */
export async function registerAgain(
  api: HubApi,
  opts: {
    config: RunnerConfig;
    engine: Engine;
    log: Logger;
    onIdentity(state: RunnerState): void;
    onFatal(e: FatalError): void;
  },
): Promise<Registration | undefined> {
  try {
    const reg = await registerRunner(api, opts.config, opts.engine, opts.log);
    api.setToken(reg.state.token);
    opts.onIdentity(reg.state);
    return reg;
  } catch (e) {
    opts.onFatal(
      e instanceof FatalError ? e : new FatalError(EXIT.auth, `registering again failed: ${errorMessage(e)}`),
    );
    return undefined;
  }
}
