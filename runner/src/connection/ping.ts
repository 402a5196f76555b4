// What a heartbeat (ping, or the socket's hello) tells the hub: the leases held, labels, version, draining, datasets;
// and one heartbeat exchange.
import { PROTOCOL_VERSION, type PingReply, type PingRequestInput } from '@simpul/protocol';
import type { RunnerConfig } from '../config.ts';
import type { Engine } from '../engine/engine.ts';
import { NetworkError } from '../errors.ts';
import type { Executor } from '../executor.ts';
import { RUNNER_VERSION } from '../version.ts';
import type { HubApi } from './hub-api.ts';
import type { SocketChannel } from './socket.ts';

export function pingMessage(
  runnerId: string,
  executor: Executor,
  config: RunnerConfig,
  engine: Engine,
  draining: boolean,
  withDatasets: boolean,
): PingRequestInput {
  return {
    runner_id: runnerId,
    leases: executor.leases(),
    labels: config.labels,
    version: RUNNER_VERSION,
    protocol_version: PROTOCOL_VERSION,
    draining,
    concurrency: config.concurrency, // task slots: the hub pushes no more than this at once
    batch_offers: true, // a dispatch round's offers come in one task:offers message
    ...(withDatasets ? { datasets: engine.datasets() } : {}),
  } as PingRequestInput;
}

/**
 * One heartbeat: over the socket when it is up, else (or when its ack times out) over HTTP, where the first ping after
 * a gap also carries the datasets. Returns the reply, the message it answers and the way it went.
 */
export async function exchangePing(
  socket: SocketChannel | null,
  api: HubApi,
  message: (withDatasets: boolean) => PingRequestInput,
  advertise: () => boolean,
): Promise<{ reply: PingReply; sent: PingRequestInput; via: 'socket' | 'http' }> {
  if (socket?.connected) {
    const sent = message(false);
    try {
      return { reply: await socket.ping(sent), sent, via: 'socket' };
    } catch (e) {
      if (!(e instanceof NetworkError)) throw e;
    }
  }
  const sent = message(advertise());
  return { reply: await api.ping(sent), sent, via: 'http' };
}
