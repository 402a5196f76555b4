// Counts Socket.IO events per namespace: received (any event, plus connects and disconnects) and emitted to one socket.
import type { Server } from 'socket.io';
import type { HubMetrics } from './metrics.ts';

export function observeSockets(io: Server, metrics: HubMetrics, namespaces: readonly string[]): void {
  for (const name of namespaces) {
    io.of(name).on('connection', (socket) => {
      metrics.socketEvent(name, 'connect', 'in');
      socket.onAny((event: string) => metrics.socketEvent(name, event, 'in'));
      socket.onAnyOutgoing((event: string) => metrics.socketEvent(name, event, 'out'));
      socket.on('disconnect', () => metrics.socketEvent(name, 'disconnect', 'in'));
    });
  }
}
