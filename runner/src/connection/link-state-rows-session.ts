// The link's valid transitions, part three: long-poll answers, an unreachable hub while polling, tokens and registering
// again, free slots, the drain and the close.
import {
  CLOSED,
  CLOSE_EFFECTS,
  FIXED,
  L,
  LIVE,
  POLL,
  POLL2,
  type Row,
  SAMPLE,
  WS,
  announce,
  beat,
  setupOf,
} from './link-state-fixtures.ts';

export const SESSION_ROWS: Row[] = [
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
