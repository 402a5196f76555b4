// Runner sockets connected to this hub, with what the dispatcher needs to know about each.
import type { Socket } from 'socket.io';
import type { HubToRunnerEvents, RunnerToHubEvents } from '@simpul/protocol';
import type { Presence } from '../context.ts';
import type { RunnerRow } from '../db/schema.ts';

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
  refused: boolean; // refused or missed an offer, or let a lease expire: no pushes until it speaks again
  batchOffers: boolean; // its hello said batch_offers: a round's offers go in one task:offers message
  lastHeard: number; // when it last sent anything (a frozen process keeps its socket open for a while)
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
