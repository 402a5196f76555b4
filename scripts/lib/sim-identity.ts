// Who a simulated runner is (scripts/lib/sim-runner.ts): its options, and registering a fleet of them with the hub.
import { PROTOCOL_VERSION, type DatasetInfo, type TaskOffer } from '@simpul/protocol';
import type { SimRunner } from './sim-runner.ts';

export type SimMode = 'socket' | 'longpoll' | 'poll';

export interface SimIdentity {
  runner_id: string;
  token: string;
  name: string;
  datasets: string[];
}

export interface SimOptions {
  mode?: SimMode;
  /** Task slots told to the hub (socket mode) or asked for per claim (HTTP modes). */
  concurrency?: number;
  /** What to do with a task (`at`: performance.now() on arrival); default: post a tiny `succeeded` result at once. */
  onTask?: (offer: TaskOffer, at: number, sim: SimRunner) => void;
  /** Heartbeats (socket mode: over the socket; HTTP modes: POST /ping). Default true. */
  heartbeat?: boolean;
  /** Plain polling period (mode `poll`). */
  pollMs?: number;
  /** Reconnect backoff, as the real runner's Socket.IO client: base·2^n capped, ±50 % jitter. */
  reconnectBaseMs?: number;
  reconnectMaxMs?: number;
}

/** An op-100 result with one row: the smallest a hub accepts as `succeeded`. */
export const TINY_RESULT = { columns: [{ name: 'x', type: 'BIGINT', kind: 'number' }], rows: [[1]], total_rows: 1 };

export const simDataset = (name: string): DatasetInfo => ({
  name,
  columns: [{ name: 'x', type: 'BIGINT', kind: 'number' }],
  row_count: 1,
});

/** Registers `count` runners over HTTP (a few at a time); `datasetsOf(i)` names what runner i advertises. */
export async function registerSims(
  hubUrl: string,
  enrollmentKey: string,
  count: number,
  datasetsOf: (i: number) => string[],
  prefix = 'sim',
  parallel = 16,
): Promise<SimIdentity[]> {
  const out: SimIdentity[] = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const name = `${prefix}-${i}`;
      const datasets = datasetsOf(i);
      const res = await fetch(`${hubUrl}/api/v1/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          enrollment_key: enrollmentKey,
          name,
          datasets: datasets.map(simDataset),
          protocol_version: PROTOCOL_VERSION,
          version: 'sim',
        }),
      });
      const body = (await res.json()) as { runner_id: string; token: string };
      if (res.status !== 201) throw new Error(`register ${name}: ${res.status} ${JSON.stringify(body)}`);
      out[i] = { runner_id: body.runner_id, token: body.token, name, datasets };
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, count) }, worker));
  return out;
}
