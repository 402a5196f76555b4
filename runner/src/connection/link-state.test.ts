// The link's state machine as a table: every phase × every event, the valid transitions with their next state and
// effects, and the rest ignored (same state, no effects). Then the timers each state owns.
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
  timersOf,
} from './link-state.ts';
import { StateTimers } from './link-timers.ts';
import { linkTransition } from './link-transition.ts';

const WS: LinkSetup = { transport: 'websocket', hubs: 1, fixedHeartbeat: false };
const WS2: LinkSetup = { ...WS, hubs: 2 };
const POLL: LinkSetup = { transport: 'polling', hubs: 1, fixedHeartbeat: false };
const POLL2: LinkSetup = { ...POLL, hubs: 2 };
const FIXED: LinkSetup = { ...POLL, fixedHeartbeat: true };

const BASE: Live = {
  hub: 0,
  transport: null,
  draining: false,
  advertise: true,
  poller: false,
  refusals: 0,
  moves: 0,
  unreachableLogged: false,
  heartbeatMs: 5000,
  beats: 0,
  beating: false,
};
const EXTRA = { connecting: { retry: null }, moving: { attempt: 0 } } as Record<string, object>;
type LivePhase = LiveState['phase'];
type Patch = Partial<Live> & { retry?: number | null; attempt?: number };
/** A live state: the base data, the phase's own, and the patch. */
const L = (phase: LivePhase, patch: Patch = {}): LinkState =>
  ({ ...BASE, ...EXTRA[phase], ...patch, phase }) as LinkState;
const IDLE = initialLinkState(5000);
const CLOSED: LinkState = { phase: 'closed' };

const LIVE: LivePhase[] = ['connecting', 'greeting', 'socket', 'polling', 'moving', 'reregistering'];
const PHASES: Phase[] = ['idle', ...LIVE, 'closed'];
const setupOf = (p: Phase) => (p === 'polling' ? POLL : WS);

const SAMPLE: Record<EventType, LinkEvent> = {
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
  drain: { type: 'drain' },
  close: { type: 'close' },
};
const EVENTS = Object.keys(SAMPLE) as EventType[];

type Row = [name: string, setup: LinkSetup, from: LinkState, event: LinkEvent, to: LinkState, effects: LinkEffect[]];
const CLOSE_EFFECTS: LinkEffect[] = [
  { kind: 'claims-stop' },
  { kind: 'stop-poller', abort: true },
  { kind: 'close-socket' },
];
const announce = (transport: 'websocket' | 'polling'): LinkEffect => ({ kind: 'announce', transport });
const beat = (scheduled: boolean): LinkEffect => ({ kind: 'beat', scheduled });

const VALID: Row[] = [
  ['idle: start with the socket opens it', WS, IDLE, SAMPLE.start, L('connecting'), [{ kind: 'open-socket' }]],
  [
    'idle: start polling pings (datasets) and long-polls',
    POLL,
    IDLE,
    SAMPLE.start,
    L('polling', { poller: true }),
    [beat(false), { kind: 'start-poller' }],
  ],
  ['idle: close', WS, IDLE, SAMPLE.close, CLOSED, CLOSE_EFFECTS],
  // Heartbeats: in every live phase; none goes out while registering again, but the next is scheduled.
  ...LIVE.filter((p) => p !== 'reregistering').map(
    (p): Row => [
      `${p}: heartbeat due`,
      setupOf(p),
      L(p),
      SAMPLE['heartbeat-due'],
      L(p, { beating: true }),
      [beat(true)],
    ],
  ),
  [
    'reregistering: heartbeat due skips, schedules the next',
    WS,
    L('reregistering', { beats: 3 }),
    SAMPLE['heartbeat-due'],
    L('reregistering', { beats: 4 }),
    [],
  ],
  [
    'socket: heartbeat due while one is in flight',
    WS,
    L('socket', { beating: true }),
    SAMPLE['heartbeat-due'],
    L('socket', { beating: true }),
    [],
  ],
  ...LIVE.map(
    (p): Row => [
      `${p}: beat done schedules the next`,
      setupOf(p),
      L(p, { beating: true, beats: 2 }),
      SAMPLE['beat-done'],
      L(p, { beats: 3 }),
      [],
    ],
  ),
  ['polling: beat done without a beat in flight', POLL, L('polling'), SAMPLE['beat-done'], L('polling'), []],
  // Ping replies: the hub's interval (unless configured), the datasets sent, polling announced when it carried the ping.
  [
    'socket: ping over the socket sets the interval',
    WS,
    L('socket', { transport: 'websocket' }),
    { type: 'ping-answered', via: 'socket', heartbeatS: 7 },
    L('socket', { transport: 'websocket', heartbeatMs: 7000 }),
    [],
  ],
  [
    'greeting: ping over HTTP, the socket up: no polling',
    WS,
    L('greeting'),
    SAMPLE['ping-answered'],
    L('greeting', { heartbeatMs: 7000, advertise: false }),
    [],
  ],
  [
    'connecting: ping over HTTP while long-polling: polling',
    WS,
    L('connecting', { poller: true }),
    SAMPLE['ping-answered'],
    L('connecting', { poller: true, heartbeatMs: 7000, advertise: false, transport: 'polling' }),
    [announce('polling')],
  ],
  [
    'connecting: ping over HTTP, no long-poll: not connected yet',
    WS,
    L('connecting'),
    SAMPLE['ping-answered'],
    L('connecting', { heartbeatMs: 7000, advertise: false }),
    [],
  ],
  [
    'moving: ping over HTTP while long-polling: polling',
    WS2,
    L('moving', { poller: true, unreachableLogged: true }),
    SAMPLE['ping-answered'],
    L('moving', { poller: true, heartbeatMs: 7000, advertise: false, transport: 'polling' }),
    [announce('polling')],
  ],
  [
    'polling: ping over HTTP: polling',
    POLL,
    L('polling', { poller: true }),
    SAMPLE['ping-answered'],
    L('polling', { poller: true, heartbeatMs: 7000, advertise: false, transport: 'polling' }),
    [announce('polling')],
  ],
  [
    'polling: already announced',
    POLL,
    L('polling', { transport: 'polling' }),
    SAMPLE['ping-answered'],
    L('polling', { transport: 'polling', heartbeatMs: 7000, advertise: false }),
    [],
  ],
  [
    'polling: a configured interval stays',
    FIXED,
    L('polling', { transport: 'polling' }),
    SAMPLE['ping-answered'],
    L('polling', { transport: 'polling', advertise: false }),
    [],
  ],
  [
    'reregistering (polling): a late ping still counts',
    POLL,
    L('reregistering'),
    SAMPLE['ping-answered'],
    L('reregistering', { heartbeatMs: 7000, advertise: false, transport: 'polling' }),
    [announce('polling')],
  ],
  ...LIVE.map(
    (p): Row => [
      `${p}: a lost ping sends the datasets with the next`,
      setupOf(p),
      L(p, { advertise: false }),
      SAMPLE['ping-lost'],
      L(p),
      [],
    ],
  ),
  // The socket.
  [
    'connecting: socket up: hello, the long-poll in flight may finish',
    WS,
    L('connecting', { retry: 2, refusals: 3, moves: 2, poller: true }),
    SAMPLE['socket-up'],
    L('greeting'),
    [{ kind: 'stop-poller', abort: false }, { kind: 'hello' }],
  ],
  [
    'greeting: hello answered: websocket, claim',
    WS,
    L('greeting', { transport: 'polling' }),
    SAMPLE['hello-answered'],
    L('socket', { transport: 'websocket', heartbeatMs: 7000 }),
    [announce('websocket'), { kind: 'claims-now' }],
  ],
  [
    'socket: down: poll meanwhile, Socket.IO reconnects',
    WS,
    L('socket', { transport: 'websocket' }),
    SAMPLE['socket-down'],
    L('connecting', { poller: true }),
    [{ kind: 'warn', msg: 'socket disconnected', fields: { reason: 'transport close' } }, { kind: 'start-poller' }],
  ],
  [
    'greeting: closed by the hub: our own reconnect',
    WS,
    L('greeting'),
    { type: 'socket-down', reason: 'io server disconnect' },
    L('connecting', { retry: 0, refusals: 1, poller: true }),
    [
      { kind: 'warn', msg: 'socket disconnected', fields: { reason: 'io server disconnect' } },
      { kind: 'start-poller' },
    ],
  ],
  [
    'socket: down while draining: no polling',
    WS,
    L('socket', { draining: true }),
    SAMPLE['socket-down'],
    L('connecting', { draining: true }),
    [{ kind: 'warn', msg: 'socket disconnected', fields: { reason: 'transport close' } }],
  ],
  [
    'connecting: refused: retry later, poll meanwhile',
    WS,
    L('connecting', { refusals: 2 }),
    SAMPLE['socket-refused'],
    L('connecting', { retry: 2, refusals: 3, poller: true }),
    [
      {
        kind: 'warn',
        msg: 'the hub refused the socket; retrying later',
        fields: { code: 'rate_limited', error: 'slow down' },
      },
      { kind: 'start-poller' },
    ],
  ],
  [
    'connecting: refused again, a retry armed: one retry',
    WS,
    L('connecting', { retry: 0, refusals: 1, poller: true }),
    SAMPLE['socket-refused'],
    L('connecting', { retry: 0, refusals: 1, poller: true }),
    [
      {
        kind: 'warn',
        msg: 'the hub refused the socket; retrying later',
        fields: { code: 'rate_limited', error: 'slow down' },
      },
    ],
  ],
  [
    'connecting: unreachable, one hub: say so once, poll',
    WS,
    L('connecting'),
    SAMPLE['socket-unreachable'],
    L('connecting', { unreachableLogged: true, poller: true }),
    [
      { kind: 'warn', msg: 'socket cannot connect; polling over HTTP meanwhile', fields: { error: 'ECONNREFUSED' } },
      { kind: 'start-poller' },
    ],
  ],
  [
    'connecting: unreachable again: quiet',
    WS,
    L('connecting', { unreachableLogged: true, poller: true }),
    SAMPLE['socket-unreachable'],
    L('connecting', { unreachableLogged: true, poller: true }),
    [],
  ],
  [
    'connecting: unreachable, two hubs: move, poll the next',
    WS2,
    L('connecting', { transport: 'polling', moves: 1, retry: 0 }),
    SAMPLE['socket-unreachable'],
    L('moving', { hub: 1, attempt: 1, moves: 2, poller: true }),
    [{ kind: 'move-hub', to: 1, why: 'ECONNREFUSED' }, { kind: 'close-socket' }, { kind: 'start-poller' }],
  ],
  [
    'connecting: reconnect due',
    WS,
    L('connecting', { retry: 0, refusals: 1 }),
    SAMPLE['reconnect-due'],
    L('connecting', { refusals: 1 }),
    [{ kind: 'socket-connect' }],
  ],
  ['connecting: reconnect due without a retry', WS, L('connecting'), SAMPLE['reconnect-due'], L('connecting'), []],
  [
    'moving: move due: open the socket to the new hub',
    WS2,
    L('moving', { hub: 1, attempt: 0, moves: 1, poller: true }),
    SAMPLE['move-due'],
    L('connecting', { hub: 1, moves: 1, poller: true }),
    [{ kind: 'open-socket' }],
  ],
  // Long-poll answers count as a polling connection unless the socket is up.
  ...(['connecting', 'polling', 'moving', 'reregistering'] as const).map(
    (p): Row => [
      `${p}: poll answered: polling`,
      setupOf(p),
      L(p),
      SAMPLE['poll-answered'],
      L(p, { transport: 'polling' }),
      [announce('polling')],
    ],
  ),
  [
    'polling: poll answered again',
    POLL,
    L('polling', { transport: 'polling' }),
    SAMPLE['poll-answered'],
    L('polling', { transport: 'polling' }),
    [],
  ],
  // Polling only: an unreachable hub is left for the next one.
  [
    'polling: unreachable, two hubs: next hub',
    POLL2,
    L('polling', { transport: 'polling', poller: true }),
    SAMPLE['hub-unreachable'],
    L('polling', { hub: 1, poller: true }),
    [{ kind: 'move-hub', to: 1, why: 'ECONNREFUSED' }],
  ],
  [
    'polling: unreachable, back to the first hub',
    POLL2,
    L('polling', { hub: 1 }),
    SAMPLE['hub-unreachable'],
    L('polling'),
    [{ kind: 'move-hub', to: 0, why: 'ECONNREFUSED' }],
  ],
  ['polling: unreachable, one hub', POLL, L('polling'), SAMPLE['hub-unreachable'], L('polling'), []],
  [
    'reregistering (polling): unreachable: stays',
    POLL2,
    L('reregistering'),
    SAMPLE['hub-unreachable'],
    L('reregistering'),
    [],
  ],
  // Tokens.
  [
    'connecting: a rotated token refused on connect: retry with the new one',
    WS,
    L('connecting'),
    SAMPLE['token-rotated'],
    L('connecting', { retry: 0, refusals: 1 }),
    [],
  ],
  [
    'socket: a rotated token refused a report: nothing to do',
    WS,
    L('socket'),
    { type: 'token-rotated', during: 'report' },
    L('socket'),
    [],
  ],
  ...LIVE.filter((p) => p !== 'reregistering').map(
    (p): Row => [
      `${p}: token refused: may we register again?`,
      setupOf(p),
      L(p),
      SAMPLE['token-refused'],
      L(p),
      [{ kind: 'ask-reregister', why: 'bad token' }],
    ],
  ),
  ...LIVE.filter((p) => p !== 'reregistering').map(
    (p): Row => [
      `${p}: register again`,
      setupOf(p),
      L(p, { transport: 'polling', poller: true }),
      SAMPLE.reregister,
      L('reregistering'),
      [{ kind: 'drop-leases' }, { kind: 'stop-poller', abort: true }, { kind: 'close-socket' }, { kind: 'register' }],
    ],
  ),
  [
    'reregistering: registered (socket): open it',
    WS,
    L('reregistering'),
    SAMPLE.registered,
    L('connecting', { heartbeatMs: 7000 }),
    [{ kind: 'open-socket' }],
  ],
  [
    'reregistering: registered (polling): poll',
    POLL,
    L('reregistering', { advertise: false }),
    SAMPLE.registered,
    L('polling', { heartbeatMs: 7000, poller: true }),
    [{ kind: 'start-poller' }],
  ],
  [
    'reregistering: registered while draining: no polling',
    FIXED,
    L('reregistering', { draining: true }),
    SAMPLE.registered,
    L('polling', { draining: true }),
    [],
  ],
  // Work, shutdown.
  ...LIVE.map(
    (p): Row => [
      `${p}: a slot frees`,
      setupOf(p),
      L(p),
      SAMPLE['slot-free'],
      L(p),
      [{ kind: p === 'greeting' || p === 'socket' ? 'claims-soon' : 'wake-poller' }],
    ],
  ),
  ...LIVE.filter((p) => p !== 'reregistering').map(
    (p): Row => [
      `${p}: drain`,
      setupOf(p),
      L(p, { poller: true }),
      SAMPLE.drain,
      L(p, { draining: true }),
      [{ kind: 'stop-poller', abort: true }, beat(false)],
    ],
  ),
  [
    'reregistering: drain: no heartbeat without an identity',
    WS,
    L('reregistering'),
    SAMPLE.drain,
    L('reregistering', { draining: true }),
    [{ kind: 'stop-poller', abort: true }],
  ],
  ['polling: drain twice', POLL, L('polling', { draining: true }), SAMPLE.drain, L('polling', { draining: true }), []],
  ...LIVE.map(
    (p): Row => [
      `${p}: close`,
      setupOf(p),
      L(p, { poller: true, beating: true, retry: 1, attempt: 1 }),
      SAMPLE.close,
      CLOSED,
      CLOSE_EFFECTS,
    ],
  ),
];

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

for (const [name, setup, from, event, to, effects] of [...VALID, ...INVALID]) {
  test(name, () => {
    const frozen = structuredClone(from);
    const step = linkTransition(setup, from, event);
    assert.equal(step.state, to);
    assert.equal(step.effects, effects);
    assert.equal(from, frozen, 'the transition does not change the state it was given');
  });
}

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
