// The link's state machine as a table: every phase × every event, the valid transitions with their next state and
// effects (link-state-rows-*.ts, each run by its own link-state-*.test.ts), and the rest ignored (same state, no
// effects), run here with the check that the table covers every phase × event. Then the timers each state owns.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type EventType, type LinkEvent, type LinkSetup, type LinkState, type Phase, timersOf } from './link-state.ts';
import {
  CLOSED,
  EVENTS,
  IDLE,
  L,
  LIVE,
  PHASES,
  type Patch,
  type Row,
  SAMPLE,
  WS,
  WS2,
  setupOf,
  testRows,
} from './link-state-fixtures.ts';
import { BEAT_ROWS } from './link-state-rows-beats.ts';
import { SESSION_ROWS } from './link-state-rows-session.ts';
import { SOCKET_ROWS } from './link-state-rows-socket.ts';
import { StateTimers } from './link-timers.ts';
import { linkTransition } from './link-transition.ts';

const VALID: Row[] = [...BEAT_ROWS, ...SOCKET_ROWS, ...SESSION_ROWS];

/** Everything else is ignored: same state, no effects. */
const IGNORED: Record<Phase, EventType[]> = {
  idle: EVENTS.filter((e) => e !== 'start' && e !== 'close'),
  connecting: ['start', 'hello-answered', 'socket-down', 'move-due', 'registered', 'hub-unreachable'],
  greeting: [
    'start',
    'socket-up',
    'socket-refused',
    'socket-unreachable',
    'reconnect-due',
    'move-due',
    'poll-answered',
    'registered',
    'hub-unreachable',
    'token-rotated',
  ],
  socket: [
    'start',
    'socket-up',
    'hello-answered',
    'socket-refused',
    'socket-unreachable',
    'reconnect-due',
    'move-due',
    'poll-answered',
    'registered',
    'hub-unreachable',
  ],
  polling: [
    'start',
    'socket-up',
    'hello-answered',
    'socket-down',
    'socket-refused',
    'socket-unreachable',
    'reconnect-due',
    'move-due',
    'registered',
    'token-rotated',
  ],
  moving: [
    'start',
    'socket-up',
    'hello-answered',
    'socket-down',
    'socket-refused',
    'socket-unreachable',
    'reconnect-due',
    'registered',
    'hub-unreachable',
    'token-rotated',
  ],
  reregistering: [
    'start',
    'socket-up',
    'hello-answered',
    'socket-down',
    'socket-refused',
    'socket-unreachable',
    'reconnect-due',
    'move-due',
    'token-rotated',
    'token-refused',
    'reregister',
  ],
  closed: EVENTS,
};
const INVALID: Row[] = PHASES.flatMap((p) =>
  IGNORED[p].map((e): Row => {
    const from = p === 'idle' ? IDLE : p === 'closed' ? CLOSED : L(p, { retry: null });
    return [`${p}: ${e} ignored`, setupOf(p), from, SAMPLE[e], from, []];
  }),
);

testRows(INVALID);

test('the table covers every phase × event', () => {
  const seen = new Set([...VALID, ...INVALID].map(([, , from, event]) => `${from.phase} ${event.type}`));
  const missing = PHASES.flatMap((p) => EVENTS.map((e) => `${p} ${e}`)).filter((k) => !seen.has(k));
  assert.equal(missing, []);
  const both = INVALID.filter(([, , from, event]) =>
    VALID.some(([, , f, e]) => f.phase === from.phase && e.type === event.type),
  ).map(([n]) => n);
  assert.equal(both, [], 'a pair is either valid or ignored');
});

test('timers belong to states: heartbeat while none is in flight, reconnect while a retry is armed, the move while moving', () => {
  assert.equal(timersOf(IDLE), []);
  assert.equal(timersOf(CLOSED), []);
  assert.equal(timersOf(L('socket', { beats: 4 })), [
    { key: 'heartbeat:4', fires: { type: 'heartbeat-due' }, ms: 5000 },
  ]);
  assert.equal(timersOf(L('socket', { beating: true })), []);
  // On a socket holding nothing, the hub's idle interval, under a key of its own (switching re-arms the timer).
  const idle = { beats: 4, idleHeartbeatMs: 60_000 };
  assert.equal(timersOf(L('socket', idle)), [
    { key: 'heartbeat:4:idle', fires: { type: 'heartbeat-due' }, ms: 60_000 },
  ]);
  const short = [{ key: 'heartbeat:4', fires: { type: 'heartbeat-due' }, ms: 5000 }];
  assert.equal(timersOf(L('socket', { ...idle, holding: true })), short, 'holding a lease: the usual interval');
  assert.equal(timersOf(L('socket', { ...idle, draining: true })), short, 'draining: the usual interval');
  assert.equal(timersOf(L('greeting', idle)), short, 'only once the hello is answered');
  assert.equal(timersOf(L('polling', idle)), short, 'never over HTTP');
  assert.equal(timersOf(L('connecting', { beating: true, retry: 2 })), [
    { key: 'reconnect:2', fires: { type: 'reconnect-due' }, ms: { attempt: 2, base: 1000, max: 30_000 } },
  ]);
  assert.equal(timersOf(L('moving', { beating: true, attempt: 3 })), [
    { key: 'move:3', fires: { type: 'move-due' }, ms: { attempt: 3, base: 250, max: 10_000 } },
  ]);
  assert.equal(timersOf(L('greeting', { beating: true, retry: 2, attempt: 1 } as Patch)).length, 0);
});

test('a timer that fires leads to a state without it (no timer fires twice)', () => {
  const owners: [LinkSetup, LinkState][] = [
    [WS, L('connecting', { retry: 1, refusals: 2 })],
    [WS2, L('moving', { attempt: 2 })],
    ...LIVE.map((p): [LinkSetup, LinkState] => [setupOf(p), L(p, { beats: 5 })]),
    [WS, L('socket', { beats: 5, idleHeartbeatMs: 60_000 })],
  ];
  for (const [setup, state] of owners) {
    for (const t of timersOf(state)) {
      const next = linkTransition(setup, state, t.fires).state;
      assert.not.ok(
        timersOf(next).some((n) => n.key === t.key),
        `${state.phase}: ${t.key}`,
      );
    }
  }
});

test('StateTimers arms what the state owns, keeps what it still owns, clears what it left', async () => {
  const fired: LinkEvent[] = [];
  const timers = new StateTimers((e) => fired.push(e));
  timers.sync([
    { key: 'a', fires: SAMPLE['move-due'], ms: 60_000 },
    { key: 'b', fires: SAMPLE['reconnect-due'], ms: 60_000 },
  ]);
  assert.equal(timers.keys(), ['a', 'b']);
  timers.sync([
    { key: 'b', fires: SAMPLE['reconnect-due'], ms: 1 },
    { key: 'c', fires: SAMPLE['heartbeat-due'], ms: 1 },
  ]);
  assert.equal(timers.keys(), ['b', 'c']);
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(fired, [SAMPLE['heartbeat-due']], 'b kept its first arming (60 s); c fired once');
  assert.equal(timers.keys(), ['b']);
  timers.sync([]);
  assert.equal(timers.keys(), []);
});

test.run();
