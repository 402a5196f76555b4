// A request held open at the hub while a task runs (`GET /result/{id}?wait=`): answered the moment the task ends, it
// brings the result sooner than the live update and a request made after it would.
import { isFinal, type ResultView } from '@simpul/protocol';
import { api } from './api.ts';

const WAIT_S = 20;
const waits = new Map<string, Promise<ResultView | null>>();

/** Resolves when the page is visible, or when `signal` aborts. */
function visible(signal: AbortSignal): Promise<void> {
  if (!document.hidden || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      if (document.hidden && !signal.aborted) return;
      document.removeEventListener('visibilitychange', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    document.addEventListener('visibilitychange', done);
    signal.addEventListener('abort', done);
  });
}

/** Aborts when either aborts (AbortSignal.any, where the browser lacks it: Safari before 17.4, Firefox before 124). */
function either(a: AbortSignal, b: AbortSignal): AbortSignal {
  if (typeof AbortSignal.any === 'function') return AbortSignal.any([a, b]);
  const both = new AbortController();
  for (const s of [a, b]) {
    if (s.aborted) both.abort(s.reason);
    else s.addEventListener('abort', () => both.abort(s.reason), { once: true });
  }
  return both.signal;
}

/** One wait, given up when the page is hidden: a browser opens only a few connections to the hub, for all its tabs. */
async function once(id: string, signal: AbortSignal): Promise<ResultView | 'again'> {
  await visible(signal);
  const hidden = new AbortController();
  const onHide = () => document.hidden && hidden.abort();
  document.addEventListener('visibilitychange', onHide);
  try {
    return await api.result(id, WAIT_S, either(signal, hidden.signal));
  } catch (e) {
    if (hidden.signal.aborted && !signal.aborted) return 'again';
    throw e;
  } finally {
    document.removeEventListener('visibilitychange', onHide);
  }
}

/**
 * Waits for task `id` to end, asking again after each `WAIT_S` while it runs. Resolves with the final view, or null when
 * `signal` aborts or a request fails (the live updates and the page's own requests carry on without it).
 */
export function waitForEnd(id: string, signal: AbortSignal): Promise<ResultView | null> {
  // A wait started when the task was created (`waitEarly`) is adopted: from now on it ends with this caller's signal.
  const early = adopted.get(id);
  const current = waits.get(id);
  if (early && current) {
    adopted.delete(id);
    clearTimeout(early.timer);
    if (signal.aborted) early.stop.abort();
    else signal.addEventListener('abort', () => early.stop.abort(), { once: true });
    return current;
  }
  const wait = (async () => {
    while (!signal.aborted) {
      try {
        const view = await once(id, signal);
        if (view !== 'again' && isFinal(view.status)) return view;
      } catch {
        return null;
      }
    }
    return null;
  })();
  waits.set(id, wait);
  signal.addEventListener('abort', () => {
    if (waits.get(id) === wait) waits.delete(id);
  });
  return wait;
}

/** Early waits not yet adopted by a page: their give-up timer, and how to stop them. */
const adopted = new Map<string, { timer: ReturnType<typeof setTimeout>; stop: AbortController }>();

/**
 * Starts the wait for a task's end the moment it is created, before its page is drawn: the page adopts it instead of
 * starting its own, so a quick task's result is on its way a page load sooner. Given up after `ms` if no page adopts it.
 */
export function waitEarly(id: string, ms = 30_000): void {
  const stop = new AbortController();
  void waitForEnd(id, stop.signal);
  const timer = setTimeout(() => {
    adopted.delete(id);
    stop.abort();
  }, ms);
  adopted.set(id, { timer, stop });
}

/** The final view a wait for `id` got or will get, once; null when none is under way or it ended without one. */
export async function takeWaited(id: string): Promise<ResultView | null> {
  const wait = waits.get(id);
  if (!wait) return null;
  waits.delete(id);
  return wait;
}
