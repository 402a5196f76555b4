// For pages: do something now and again each time the hub is back after it could not be reached, so that a page that
// was opened or used meanwhile comes up to date and drops its "Could not reach the hub" messages by itself.
import { untrack } from 'svelte';
import { isUnreachableText } from './errors.ts';
import { live } from './live.svelte.ts';

/** Runs `load` now (as the page opens) and again after each reconnect. Call while the component initialises. */
export function loadAndReload(load: () => unknown): void {
  $effect(() => {
    void live.reconnects;
    untrack(() => void load());
  });
}

/** Clears a message about the hub being unreachable once it is back: the person can try again. */
export function clearWhenBack(read: () => string | null, clear: () => void): void {
  let seen = untrack(() => live.reconnects);
  $effect(() => {
    if (live.reconnects === seen) return;
    seen = live.reconnects;
    untrack(() => {
      if (isUnreachableText(read())) clear();
    });
  });
}
