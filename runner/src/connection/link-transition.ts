// The link's one pure transition: (setup, state, event) → next state and the effects to carry out (link-state.ts).
import type { Transport } from '@simpul/protocol';
import type { Live, LinkEffect, LinkEvent, LinkSetup, LinkState, LiveState, Step } from './link-state.ts';

const same = (state: LinkState): Step => ({ state, effects: [] });
/** The data of a live state without what belongs to its phase. */
function live(s: LiveState): Live {
  const {
    phase: _phase,
    retry: _retry,
    attempt: _attempt,
    ...rest
  } = s as LiveState & { retry?: unknown; attempt?: unknown };
  return rest;
}
const socketUp = (s: LiveState) => s.phase === 'greeting' || s.phase === 'socket';

/** Announce a transport when it changes. */
function withTransport(s: LiveState, t: Transport, effects: LinkEffect[]): LiveState {
  if (s.transport === t) return s;
  effects.push({ kind: 'announce', transport: t });
  return { ...s, transport: t, unreachableLogged: false };
}

/** Long-poll over HTTP, unless it already does, or must not. */
function startPolling(s: LiveState, effects: LinkEffect[]): LiveState {
  if (s.draining || s.phase === 'reregistering' || s.poller) return s;
  effects.push({ kind: 'start-poller' });
  return { ...s, advertise: true, poller: true };
}

/** Arm our own reconnect (the socket was refused or closed by the hub: Socket.IO does not retry those). */
function retrySocket(s: LiveState): LiveState {
  if (s.phase !== 'connecting' || s.retry !== null) return s;
  return { ...s, retry: s.refusals, refusals: s.refusals + 1 };
}

function moveHub(setup: LinkSetup, s: LiveState, why: string, effects: LinkEffect[]): LiveState | null {
  if (setup.hubs < 2 || s.phase === 'reregistering' || s.phase === 'moving') return null;
  const to = (s.hub + 1) % setup.hubs;
  effects.push({ kind: 'move-hub', to, why });
  if (setup.transport !== 'websocket') return { ...s, hub: to, transport: null };
  effects.push({ kind: 'close-socket' });
  const moving: LiveState = {
    ...live(s),
    phase: 'moving',
    attempt: s.moves,
    hub: to,
    transport: null,
    moves: s.moves + 1,
  };
  return startPolling(moving, effects); // meanwhile (and if no socket comes up) over HTTP, to the new hub
}

/** The hub's intervals, unless configured; a reply without an idle interval (HTTP) means none. */
function heartbeat(setup: LinkSetup, s: LiveState, heartbeatS: number, idleS?: number): LiveState {
  if (setup.fixedHeartbeat) return s;
  return { ...s, heartbeatMs: heartbeatS * 1000, idleHeartbeatMs: idleS === undefined ? null : idleS * 1000 };
}

/** The one transition. Events a state does not expect leave it as it is, without effects. */
export function linkTransition(setup: LinkSetup, state: LinkState, event: LinkEvent): Step {
  const effects: LinkEffect[] = [];
  const done = (next: LinkState): Step => ({ state: next, effects });
  if (state.phase === 'closed') return same(state);
  if (state.phase === 'idle') {
    if (event.type === 'close')
      return {
        state: { phase: 'closed' },
        effects: [{ kind: 'claims-stop' }, { kind: 'stop-poller', abort: true }, { kind: 'close-socket' }],
      };
    if (event.type !== 'start') return same(state);
    const fresh: Live = {
      hub: 0,
      transport: null,
      draining: false,
      advertise: true,
      poller: false,
      refusals: 0,
      moves: 0,
      unreachableLogged: false,
      heartbeatMs: state.heartbeatMs,
      idleHeartbeatMs: null,
      holding: false,
      beats: 0,
      beating: false,
    };
    if (setup.transport === 'websocket')
      return { state: { ...fresh, phase: 'connecting', retry: null }, effects: [{ kind: 'open-socket' }] };
    // The first ping advertises the datasets and marks the runner online.
    return {
      state: { ...fresh, phase: 'polling', poller: true },
      effects: [{ kind: 'beat', scheduled: false }, { kind: 'start-poller' }],
    };
  }
  const s = state;
  switch (event.type) {
    case 'heartbeat-due':
      if (s.beating) return same(s);
      if (s.phase === 'reregistering') return done({ ...s, beats: s.beats + 1 }); // no heartbeat without an identity
      effects.push({ kind: 'beat', scheduled: true });
      return done({ ...s, beating: true });
    case 'beat-done':
      return s.beating ? done({ ...s, beating: false, beats: s.beats + 1 }) : same(s);
    case 'ping-answered': {
      let next = heartbeat(setup, s, event.heartbeatS, event.idleHeartbeatS);
      if (event.via === 'http') {
        next = { ...next, advertise: false };
        if (!socketUp(s) && (s.poller || setup.transport === 'polling')) next = withTransport(next, 'polling', effects);
      }
      return done(next);
    }
    case 'ping-lost':
      return done({ ...s, advertise: true });
    case 'socket-up':
      if (s.phase !== 'connecting') return same(s);
      effects.push({ kind: 'stop-poller', abort: false }, { kind: 'hello' }); // a long-poll in flight finishes, so a task claimed for it is not lost
      return done({ ...live(s), phase: 'greeting', refusals: 0, moves: 0, poller: false });
    case 'hello-answered': {
      if (s.phase !== 'greeting') return same(s);
      const next = withTransport(
        { ...live(heartbeat(setup, s, event.heartbeatS, event.idleHeartbeatS)), phase: 'socket' },
        'websocket',
        effects,
      );
      effects.push({ kind: 'claims-now' });
      return done(next);
    }
    case 'socket-down': {
      if (!socketUp(s)) return same(s);
      effects.push({ kind: 'warn', msg: 'socket disconnected', fields: { reason: event.reason } });
      let next: LiveState = { ...live(s), phase: 'connecting', retry: null, transport: null };
      if (event.reason === 'io server disconnect') next = retrySocket(next); // Socket.IO does not reconnect by itself then
      return done(startPolling(next, effects));
    }
    case 'socket-refused':
      if (s.phase !== 'connecting') return same(s);
      effects.push({
        kind: 'warn',
        msg: 'the hub refused the socket; retrying later',
        fields: { code: event.code, error: event.message },
      });
      return done(startPolling(retrySocket(s), effects));
    case 'socket-unreachable': {
      if (s.phase !== 'connecting') return same(s);
      const moved = moveHub(setup, s, event.message, effects);
      if (moved) return done(moved);
      if (!s.unreachableLogged)
        effects.push({
          kind: 'warn',
          msg: 'socket cannot connect; polling over HTTP meanwhile',
          fields: { error: event.message },
        });
      return done(startPolling({ ...s, unreachableLogged: true }, effects));
    }
    case 'reconnect-due':
      if (s.phase !== 'connecting' || s.retry === null) return same(s);
      effects.push({ kind: 'socket-connect' });
      return done({ ...s, retry: null });
    case 'move-due':
      if (s.phase !== 'moving') return same(s);
      effects.push({ kind: 'open-socket' });
      return done({ ...live(s), phase: 'connecting', retry: null });
    case 'poll-answered':
      return socketUp(s) ? same(s) : done(withTransport(s, 'polling', effects));
    case 'hub-unreachable':
      return setup.transport === 'polling' ? done(moveHub(setup, s, event.message, effects) ?? s) : same(s);
    case 'token-rotated':
      // The socket refused the old token; the next try carries the new one.
      return event.during === 'connect' ? done(retrySocket(s)) : same(s);
    case 'token-refused':
      if (s.phase === 'reregistering') return same(s);
      effects.push({ kind: 'ask-reregister', why: event.why });
      return done(s);
    case 'reregister':
      if (s.phase === 'reregistering') return same(s);
      // Leases belong to the old identity; the hub re-queues those tasks when they expire.
      effects.push(
        { kind: 'drop-leases' },
        { kind: 'stop-poller', abort: true },
        { kind: 'close-socket' },
        { kind: 'register' },
      );
      return done({ ...live(s), phase: 'reregistering', transport: null, poller: false });
    case 'registered': {
      if (s.phase !== 'reregistering') return same(s);
      const next = heartbeat(setup, s, event.heartbeatS);
      if (setup.transport === 'websocket') {
        effects.push({ kind: 'open-socket' });
        return done({ ...next, phase: 'connecting', retry: null });
      }
      return done(startPolling({ ...next, phase: 'polling' }, effects));
    }
    case 'slot-free':
      effects.push(socketUp(s) ? { kind: 'claims-soon' } : { kind: 'wake-poller' });
      return done(s);
    case 'held':
      return s.holding === event.holding ? same(s) : done({ ...s, holding: event.holding });
    case 'drain':
      if (s.draining) return same(s);
      effects.push({ kind: 'stop-poller', abort: true });
      // Carries draining: true, so the hub stops offering work.
      if (s.phase !== 'reregistering') effects.push({ kind: 'beat', scheduled: false });
      return done({ ...s, draining: true, poller: false });
    case 'close':
      return {
        state: { phase: 'closed' },
        effects: [{ kind: 'claims-stop' }, { kind: 'stop-poller', abort: true }, { kind: 'close-socket' }],
      };
    case 'start':
      return same(s);
  }
}
