// Fixtures for the link's state machine tests (link-state*.test.ts): setups, states, one sample of every event, and the
// row format of the phase × event table. The valid rows are in link-state-rows-*.ts, the ignored ones and the check that
// the table covers every phase × event in link-state.test.ts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  type EventType,
  type Live,
  type LinkEffect,
  type LinkEvent,
  type LinkSetup,
  type LinkState,
  type LiveState,
  type Phase,
  initialLinkState,
} from './link-state.ts';
import { linkTransition } from './link-transition.ts';

export const WS: LinkSetup = { transport: 'websocket', hubs: 1, fixedHeartbeat: false };
export const WS2: LinkSetup = { ...WS, hubs: 2 };
export const POLL: LinkSetup = { transport: 'polling', hubs: 1, fixedHeartbeat: false };
export const POLL2: LinkSetup = { ...POLL, hubs: 2 };
export const FIXED: LinkSetup = { ...POLL, fixedHeartbeat: true };

export const BASE: Live = {
  hub: 0,
  transport: null,
  draining: false,
  advertise: true,
  poller: false,
  refusals: 0,
  moves: 0,
  unreachableLogged: false,
  heartbeatMs: 5000,
  idleHeartbeatMs: null,
  holding: false,
  beats: 0,
  beating: false,
};
const EXTRA = { connecting: { retry: null }, moving: { attempt: 0 } } as Record<string, object>;
export type LivePhase = LiveState['phase'];
export type Patch = Partial<Live> & { retry?: number | null; attempt?: number };
/** A live state: the base data, the phase's own, and the patch. */
export const L = (phase: LivePhase, patch: Patch = {}): LinkState =>
  ({ ...BASE, ...EXTRA[phase], ...patch, phase }) as LinkState;
export const IDLE = initialLinkState(5000);
export const CLOSED: LinkState = { phase: 'closed' };

export const LIVE: LivePhase[] = ['connecting', 'greeting', 'socket', 'polling', 'moving', 'reregistering'];
export const PHASES: Phase[] = ['idle', ...LIVE, 'closed'];
export const setupOf = (p: Phase) => (p === 'polling' ? POLL : WS);

export const SAMPLE: Record<EventType, LinkEvent> = {
  start: { type: 'start' },
  'heartbeat-due': { type: 'heartbeat-due' },
  'beat-done': { type: 'beat-done' },
  'ping-answered': { type: 'ping-answered', via: 'http', heartbeatS: 7 },
  'ping-lost': { type: 'ping-lost' },
  'socket-up': { type: 'socket-up' },
  'hello-answered': { type: 'hello-answered', heartbeatS: 7 },
  'socket-down': { type: 'socket-down', reason: 'transport close' },
  'socket-refused': { type: 'socket-refused', code: 'rate_limited', message: 'slow down' },
  'socket-unreachable': { type: 'socket-unreachable', message: 'ECONNREFUSED' },
  'reconnect-due': { type: 'reconnect-due' },
  'move-due': { type: 'move-due' },
  'poll-answered': { type: 'poll-answered' },
  'hub-unreachable': { type: 'hub-unreachable', message: 'ECONNREFUSED' },
  'token-rotated': { type: 'token-rotated', during: 'connect' },
  'token-refused': { type: 'token-refused', why: 'bad token' },
  reregister: { type: 'reregister', why: 'bad token' },
  registered: { type: 'registered', heartbeatS: 7 },
  'slot-free': { type: 'slot-free' },
  held: { type: 'held', holding: true },
  drain: { type: 'drain' },
  close: { type: 'close' },
};
export const EVENTS = Object.keys(SAMPLE) as EventType[];

export type Row = [
  name: string,
  setup: LinkSetup,
  from: LinkState,
  event: LinkEvent,
  to: LinkState,
  effects: LinkEffect[],
];
export const CLOSE_EFFECTS: LinkEffect[] = [
  { kind: 'claims-stop' },
  { kind: 'stop-poller', abort: true },
  { kind: 'close-socket' },
];
export const announce = (transport: 'websocket' | 'polling'): LinkEffect => ({ kind: 'announce', transport });
export const beat = (scheduled: boolean): LinkEffect => ({ kind: 'beat', scheduled });

/** One test per row: the transition gives the row's state and effects, and leaves the state it was given alone. */
export function testRows(rows: Row[]): void {
  for (const [name, setup, from, event, to, effects] of rows) {
    test(name, () => {
      const frozen = structuredClone(from);
      const step = linkTransition(setup, from, event);
      assert.equal(step.state, to);
      assert.equal(step.effects, effects);
      assert.equal(from, frozen, 'the transition does not change the state it was given');
    });
  }
}
