// The link's state machine, its states, events and effects, and the timers each state owns. The transition is in
// link-transition.ts; Link (link.ts) carries out the effects and arms the timers that `timersOf` lists for its state.
import type { Transport } from '@simpul/protocol';

/** What does not change while the runner runs. */
export interface LinkSetup {
  transport: Transport; // the configured one: 'websocket' (with HTTP long-poll as fallback) or 'polling' (HTTP only)
  hubs: number; // how many hubs the runner may move between
  fixedHeartbeat: boolean; // heartbeat_s set in the config: the hub's interval is ignored
}

/** Data every started phase carries. */
export interface Live {
  hub: number; // index into config.hubs
  transport: Transport | null; // the one announced as connected, null when not connected
  draining: boolean;
  advertise: boolean; // send the dataset schemas with the next HTTP ping
  poller: boolean; // the HTTP long-poll loop is started
  refusals: number; // socket retries since it was last up
  moves: number; // hub changes since the last socket came up (backs off when every hub is down)
  unreachableLogged: boolean;
  heartbeatMs: number;
  idleHeartbeatMs: number | null; // the hub's interval for a socket runner that holds no lease (null: none told)
  holding: boolean; // the executor holds a lease: heartbeats at heartbeatMs, whatever the idle interval
  beats: number; // heartbeats scheduled so far (names the heartbeat timer)
  beating: boolean; // a scheduled heartbeat is in flight (its timer is re-armed when it is done)
}

export type LinkState =
  | { phase: 'idle'; heartbeatMs: number }
  /** Socket mode: the socket is opening (Socket.IO retries by itself); `retry` arms our own reconnect after a refusal. */
  | (Live & { phase: 'connecting'; retry: number | null })
  /** The socket is up; the hello is in flight (or was not answered). */
  | (Live & { phase: 'greeting' })
  /** The socket is up and the hub answered the hello. */
  | (Live & { phase: 'socket' })
  /** Polling mode: HTTP only. */
  | (Live & { phase: 'polling' })
  /** Socket mode, after moving to the next hub: the socket to it opens when the move timer fires. */
  | (Live & { phase: 'moving'; attempt: number })
  /** The hub refused our token: registering again (socket closed, poller stopped). */
  | (Live & { phase: 'reregistering' })
  | { phase: 'closed' };

export type Phase = LinkState['phase'];
export type LiveState = Extract<LinkState, Live>;

export type LinkEvent =
  | { type: 'start' }
  | { type: 'heartbeat-due' } // the heartbeat timer fired
  | { type: 'beat-done' } // the scheduled heartbeat finished, however it went
  | { type: 'ping-answered'; via: 'socket' | 'http'; heartbeatS: number; idleHeartbeatS?: number }
  | { type: 'ping-lost' } // a heartbeat did not get through (network)
  | { type: 'socket-up' }
  | { type: 'hello-answered'; heartbeatS: number; idleHeartbeatS?: number }
  | { type: 'socket-down'; reason: string }
  | { type: 'socket-refused'; code: string; message: string } // a refusal other than the token's or the protocol's
  | { type: 'socket-unreachable'; message: string }
  | { type: 'reconnect-due' }
  | { type: 'move-due' }
  | { type: 'poll-answered' }
  | { type: 'hub-unreachable'; message: string } // a network error in polling mode
  | { type: 'token-rotated'; during: string } // a 401, but the state file has a newer token (adopted already)
  | { type: 'token-refused'; why: string } // a 401 without a newer token: maybe register again
  | { type: 'reregister'; why: string } // allowed to register again (the shell checked the enrolment key and the rate)
  | { type: 'registered'; heartbeatS: number }
  | { type: 'slot-free' }
  | { type: 'held'; holding: boolean } // the executor took its first lease, or gave up its last
  | { type: 'drain' }
  | { type: 'close' };

export type EventType = LinkEvent['type'];

export type LinkEffect =
  | { kind: 'open-socket' }
  | { kind: 'socket-connect' } // reconnect the socket we have
  | { kind: 'close-socket' }
  | { kind: 'start-poller' }
  | { kind: 'stop-poller'; abort: boolean } // abort: end the long-poll in flight too
  | { kind: 'wake-poller' }
  | { kind: 'hello' }
  | { kind: 'claims-now' }
  | { kind: 'claims-soon' }
  | { kind: 'claims-stop' }
  | { kind: 'beat'; scheduled: boolean } // scheduled: report beat-done when it finishes
  | { kind: 'announce'; transport: Transport }
  | { kind: 'move-hub'; to: number; why: string }
  | { kind: 'warn'; msg: string; fields: Record<string, unknown> }
  | { kind: 'ask-reregister'; why: string }
  | { kind: 'drop-leases' }
  | { kind: 'register' };

export interface Step {
  state: LinkState;
  effects: LinkEffect[];
}

/** A timer the state owns: armed on entering it, cleared on leaving it. A new key is a new timer. */
export interface TimerSpec {
  key: string;
  fires: LinkEvent;
  ms: number | { attempt: number; base: number; max: number }; // fixed, or a jittered backoff
}

export function initialLinkState(heartbeatMs: number): LinkState {
  return { phase: 'idle', heartbeatMs };
}

export function isLive(s: LinkState): s is LiveState {
  return s.phase !== 'idle' && s.phase !== 'closed';
}

export function timersOf(s: LinkState): TimerSpec[] {
  if (!isLive(s)) return [];
  const timers: TimerSpec[] = [];
  // On a socket holding nothing, the idle interval; a new key when that changes, so the timer is armed afresh.
  const quiet = s.phase === 'socket' && !s.holding && !s.draining && s.idleHeartbeatMs !== null;
  if (!s.beating)
    timers.push({
      key: `heartbeat:${s.beats}${quiet ? ':idle' : ''}`,
      fires: { type: 'heartbeat-due' },
      ms: quiet ? s.idleHeartbeatMs! : s.heartbeatMs,
    });
  if (s.phase === 'connecting' && s.retry !== null)
    timers.push({
      key: `reconnect:${s.retry}`,
      fires: { type: 'reconnect-due' },
      ms: { attempt: s.retry, base: 1000, max: 30_000 },
    });
  if (s.phase === 'moving')
    timers.push({
      key: `move:${s.attempt}`,
      fires: { type: 'move-due' },
      ms: { attempt: s.attempt, base: 250, max: 10_000 },
    });
  return timers;
}
