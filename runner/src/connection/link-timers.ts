// The timers of the link's current state (link-state.ts `timersOf`): armed when a state that owns them is entered,
// cleared when it is left. A timer that fires is forgotten before its event is dispatched.
import { backoffMs } from '../backoff.ts';
import type { LinkEvent, TimerSpec } from './link-state.ts';

export class StateTimers {
  private readonly armed = new Map<string, NodeJS.Timeout>();

  constructor(private readonly fire: (event: LinkEvent) => void) {}

  /** Make the armed timers exactly `wanted`: keep those already armed (by key), arm the new ones, clear the rest. */
  sync(wanted: TimerSpec[]): void {
    const keys = new Set(wanted.map((t) => t.key));
    for (const [key, timer] of this.armed) {
      if (keys.has(key)) continue;
      clearTimeout(timer);
      this.armed.delete(key);
    }
    for (const t of wanted) {
      if (this.armed.has(t.key)) continue;
      const ms = typeof t.ms === 'number' ? t.ms : backoffMs(t.ms.attempt, t.ms.base, t.ms.max);
      const timer = setTimeout(() => {
        this.armed.delete(t.key);
        this.fire(t.fires);
      }, ms);
      this.armed.set(t.key, timer);
    }
  }

  /** Keys of the timers armed now (tests). */
  keys(): string[] {
    return [...this.armed.keys()];
  }
}
