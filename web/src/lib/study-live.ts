// Study pages listen for `study:update` on their own link to the hub's /web namespace, open only while they are shown.
import { io, type Socket } from 'socket.io-client';
import { StudySummary, WEB_NAMESPACE } from '@simpul/protocol';
import type { HubToWebEvents, WebToHubEvents } from '@simpul/protocol';

/** Calls `onupdate` with every study update, `onlink` when the link comes and goes; returns the function that closes it. */
export function watchStudies(
  onupdate: (s: StudySummary) => void,
  onlink: (up: boolean) => void = () => {},
): () => void {
  // Same origin, cookie and WebSocket only, as the app's main live link (a separate connection: pages come and go).
  const socket: Socket<HubToWebEvents, WebToHubEvents> = io(WEB_NAMESPACE, {
    withCredentials: true,
    transports: ['websocket'],
    forceNew: true,
  });
  socket.on('connect', () => onlink(true));
  socket.on('disconnect', () => onlink(false));
  socket.on('connect_error', () => onlink(false));
  socket.on('study:update', (raw) => {
    const s = StudySummary.safeParse(raw);
    if (s.success) onupdate(s.data);
    else console.warn('study:update did not parse', s.error.issues);
  });
  return () => socket.disconnect();
}
