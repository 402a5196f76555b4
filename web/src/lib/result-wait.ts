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

/** The final view a wait for `id` got or will get, once; null when none is under way or it ended without one. */
export async function takeWaited(id: string): Promise<ResultView | null> {
  const wait = waits.get(id);
  if (!wait) return null;
  waits.delete(id);
  return wait;
}
