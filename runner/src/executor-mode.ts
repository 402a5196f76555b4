// The executor's own state: it takes work until it drains, and a drain goes one way through its stages.
// accepting → grace (finishing what runs) → releasing (handing unfinished leases back) → unwinding (stopped tasks
// end; result retries stop) → drained. Each stage is entered by one event; any other event leaves the mode as it is.

export type ExecutorMode = 'accepting' | 'grace' | 'releasing' | 'unwinding' | 'drained';
export type ModeEvent = 'drain' | 'grace-over' | 'released' | 'unwound';

const NEXT: Record<ExecutorMode, Partial<Record<ModeEvent, ExecutorMode>>> = {
  accepting: { drain: 'grace' },
  grace: { 'grace-over': 'releasing' },
  releasing: { released: 'unwinding' },
  unwinding: { unwound: 'drained' },
  drained: {},
};

export function modeTransition(mode: ExecutorMode, event: ModeEvent): ExecutorMode {
  return NEXT[mode][event] ?? mode;
}
