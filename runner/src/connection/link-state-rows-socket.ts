// The link's valid transitions, part two: the socket (up, hello, down, refused, unreachable), its retries and the move
// to the next hub.
import { L, type Row, SAMPLE, WS, WS2, announce } from './link-state-fixtures.ts';

export const SOCKET_ROWS: Row[] = [
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
    'greeting: hello answered with the idle interval (for when no lease is held)',
    WS,
    L('greeting', { transport: 'websocket' }),
    { type: 'hello-answered', heartbeatS: 5, idleHeartbeatS: 60 },
    L('socket', { transport: 'websocket', idleHeartbeatMs: 60_000 }),
    [{ kind: 'claims-now' }],
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
];
