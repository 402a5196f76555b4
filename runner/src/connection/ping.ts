// What a heartbeat (ping, or the socket's hello) tells the hub: the leases held, labels, version, draining, datasets.
import { PROTOCOL_VERSION, type PingRequestInput } from '@simpul/protocol';
import type { RunnerConfig } from '../config.ts';
import type { Engine } from '../engine/engine.ts';
import type { Executor } from '../executor.ts';
import { RUNNER_VERSION } from '../version.ts';

export function pingMessage(runnerId: string, executor: Executor, config: RunnerConfig, engine: Engine, draining: boolean, withDatasets: boolean): PingRequestInput {
  return {
    runner_id: runnerId,
    leases: executor.leases(),
    labels: config.labels,
    version: RUNNER_VERSION,
    protocol_version: PROTOCOL_VERSION,
    draining,
    concurrency: config.concurrency, // not in PingRequest (yet); a hub may use it to size pushes
    ...(withDatasets ? { datasets: engine.datasets() } : {}),
  } as PingRequestInput;
}
