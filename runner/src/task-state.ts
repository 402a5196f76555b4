// One task's life in the executor as a state machine: its phases, the events that move it, one pure transition, and
// the timer each phase owns. The Executor (executor.ts) carries out the effects.
import type { StopReason } from './task-run.ts';

/**
 * queued: waits for a slot. running: holds a slot and runs the op (`timing` while the task's timeout still counts).
 * held: its result waits for the data owner's review, no slot taken. reporting: its result is on its way, no slot taken.
 * done: forgotten. `stop` is why its signal aborted, if it did.
 */
export type TaskState =
  | { phase: 'queued'; stop: StopReason | null }
  | { phase: 'running'; stop: StopReason | null; timing: boolean; timeoutS: number }
  | { phase: 'held'; stop: StopReason | null }
  | { phase: 'reporting'; stop: StopReason | null }
  | { phase: 'done' };

export type TaskPhase = TaskState['phase'];

export type TaskEvent =
  | { type: 'start'; timeoutS: number } // a slot is free: run it
  | { type: 'stop'; reason: StopReason; message: string } // canceled, dropped, abandoned at shutdown
  | { type: 'timeout'; message: string } // its timer fired
  | { type: 'ran' } // the op is over (its files are being cleaned up): the timeout no longer counts
  | { type: 'hold' } // the release gate holds the result for review
  | { type: 'report' } // a result to deliver (or, if the task was dropped, to abandon)
  | { type: 'delivered' }; // the result went out, or will not

export type TaskEventType = TaskEvent['type'];

export type TaskEffect =
  | { kind: 'abort'; reason: StopReason; message: string } // abort the task's signal with this reason
  | { kind: 'run' } // run the op
  | { kind: 'deliver' } // deliver the result
  | { kind: 'abandon' } // audit the work as abandoned, deliver nothing
  | { kind: 'finish' } // forget the task
  | { kind: 'slot-freed' } // its slot is free now
  | { kind: 'slot-freed-soon' }; // its slot is free a turn later (the result goes out first)

export interface TaskStep {
  state: TaskState;
  effects: TaskEffect[];
}

export interface TaskTimer {
  key: string;
  fires: TaskEvent;
  ms: number;
}

export const queuedTask = (): TaskState => ({ phase: 'queued', stop: null });
/** A result held for review when the runner last stopped: the task waits for the owner again. */
export const heldTask = (): TaskState => ({ phase: 'held', stop: null });

/** The task's timeout belongs to running (while its op runs): entering arms it, leaving (or the op ending) clears it. */
export function taskTimers(s: TaskState): TaskTimer[] {
  if (s.phase !== 'running' || !s.timing) return [];
  return [
    {
      key: 'timeout',
      fires: { type: 'timeout', message: `the task ran longer than its timeout of ${s.timeoutS} s` },
      ms: s.timeoutS * 1000,
    },
  ];
}

/** Holds a slot (what `active()` counts). */
export const holdsSlot = (s: TaskState) => s.phase === 'queued' || s.phase === 'running';
/** Dropped or abandoned at shutdown: its work is not the hub's any more. */
export const abandoned = (s: TaskState) => s.phase !== 'done' && (s.stop === 'drop' || s.stop === 'shutdown');
/** May be given a slot. */
export const startable = (s: TaskState) => s.phase === 'queued' && !abandoned(s);

const same = (state: TaskState): TaskStep => ({ state, effects: [] });

export function taskTransition(state: TaskState, event: TaskEvent): TaskStep {
  if (state.phase === 'done') return same(state);
  switch (event.type) {
    case 'start':
      if (!startable(state)) return same(state);
      return {
        state: { phase: 'running', stop: state.stop, timing: true, timeoutS: event.timeoutS },
        effects: [{ kind: 'run' }],
      };
    case 'timeout': {
      if (state.phase !== 'running' || !state.timing) return same(state);
      const over = { ...state, timing: false }; // it fires once
      if (state.stop && state.stop !== 'cancel') return { state: over, effects: [] };
      return {
        state: { ...over, stop: 'timeout' },
        effects: [{ kind: 'abort', reason: 'timeout', message: event.message }],
      };
    }
    case 'stop': {
      const { reason } = event;
      if (state.stop && state.stop !== 'cancel') return same(state); // a drop or shutdown outranks a cancel, never the other way
      if (reason === 'cancel' && state.phase === 'reporting') return same(state); // too late to cancel: the result is on its way
      const effects: TaskEffect[] = [{ kind: 'abort', reason, message: event.message }];
      // A queued task dropped or abandoned never runs: forget it now.
      if (state.phase === 'queued' && (reason === 'drop' || reason === 'shutdown'))
        return { state: { phase: 'done' }, effects: [...effects, { kind: 'finish' }] };
      return { state: { ...state, stop: reason }, effects };
    }
    case 'ran':
      return state.phase === 'running' && state.timing
        ? { state: { ...state, timing: false }, effects: [] }
        : same(state);
    case 'hold':
      // A held result waits for its owner, not for the task's timeout; the slot is free a turn later.
      return state.phase === 'running'
        ? { state: { phase: 'held', stop: state.stop }, effects: [{ kind: 'slot-freed-soon' }] }
        : same(state);
    case 'report':
      if (state.phase !== 'running' && state.phase !== 'held') return same(state);
      if (abandoned(state))
        return { state: { phase: 'done' }, effects: [{ kind: 'abandon' }, { kind: 'finish' }, { kind: 'slot-freed' }] };
      // The slot is free while the result travels; the claim for more work freeing it sends goes out a turn later.
      return {
        state: { phase: 'reporting', stop: state.stop },
        effects: state.phase === 'running' ? [{ kind: 'deliver' }, { kind: 'slot-freed-soon' }] : [{ kind: 'deliver' }],
      };
    case 'delivered':
      return state.phase === 'reporting' ? { state: { phase: 'done' }, effects: [{ kind: 'finish' }] } : same(state);
  }
}
