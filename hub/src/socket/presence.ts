// Runner sockets connected to this hub, with what the dispatcher needs to know about each.
import type { Socket } from 'socket.io';
import type { HubToRunnerEvents, RunnerToHubEvents } from '@simpul/protocol';
import type { Presence } from '../context.ts';
import type { RunnerRow } from '../db/schema.ts';
import { onlineWindowMs } from '../store/views.ts';

/** Engine.IO's own ping on every socket, every SIMPUL_SOCKET_PING_S: a connection that died without a close is found
 *  within that plus ENGINE_PING_TIMEOUT_MS, and a live runner answers each ping, so it is heard at least that often. */
export const ENGINE_PING_TIMEOUT_MS = 20_000;

/** How long a runner that answers every ping may stay unheard. */
export const pingWindowMs = (socketPingS: number) => socketPingS * 1000 + ENGINE_PING_TIMEOUT_MS;

export interface RunnerSocketData {
  runner: RunnerRow;
}
export type RunnerSocket = Socket<RunnerToHubEvents, HubToRunnerEvents, Record<string, never>, RunnerSocketData>;

export interface RunnerConn {
  runnerId: string;
  socket: RunnerSocket;
  concurrency: number; // told in hello; pushes never exceed it
  datasets: string[];
  draining: boolean;
  ready: boolean; // hello received: leases settled, offers welcome
  refused: boolean; // refused or missed an offer, or let a lease expire: no pushes until it speaks or answers a ping
  batchOffers: boolean; // its hello said batch_offers: a round's offers go in one task:offers message
  lastHeard: number; // when it last sent anything, or answered the transport's ping
  connectedAt: number; // when this socket connected
  quiet: boolean; // its last heartbeat listed no lease and was told the idle interval: it speaks rarely
  seenWrittenAt: number; // when its runner row's last_seen was last written (queue/leases.ts SocketSeen)
}

/**
 * Heard from lately enough to be offered work. A runner that holds work heartbeats every heartbeatS, so a silence of
 * two of them means it is probably frozen (its socket stays open until the transport's ping times out). A quiet runner
 * (no lease, on the idle interval) is heard through the transport's ping/pong; one that does not answer is cut.
 */
export function heardLately(
  c: RunnerConn,
  config: { heartbeatS: number; socketPingS: number },
  now = Date.now(),
): boolean {
  const window = c.quiet ? pingWindowMs(config.socketPingS) : onlineWindowMs(config.heartbeatS);
  return now - c.lastHeard <= window;
}

export class RunnerSockets implements Presence {
  private readonly conns = new Map<string, RunnerConn>();

  has(runnerId: string): boolean {
    return this.conns.has(runnerId);
  }
  heard(runnerId: string): void {
    const conn = this.conns.get(runnerId);
    if (conn) conn.lastHeard = Date.now();
  }
  get(runnerId: string): RunnerConn | undefined {
    return this.conns.get(runnerId);
  }
  all(): RunnerConn[] {
    return [...this.conns.values()];
  }
  get size(): number {
    return this.conns.size;
  }

  /** Registers a socket; an older socket of the same runner (a reconnect the hub has not noticed yet) is returned to be closed. */
  add(conn: RunnerConn): RunnerConn | undefined {
    const old = this.conns.get(conn.runnerId);
    this.conns.set(conn.runnerId, conn);
    return old;
  }

  /** Removes this socket if it is still the runner's current one. */
  remove(conn: RunnerConn): boolean {
    if (this.conns.get(conn.runnerId) !== conn) return false;
    this.conns.delete(conn.runnerId);
    return true;
  }
}
