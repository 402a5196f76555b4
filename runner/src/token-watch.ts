// Token lifecycle on the runner's side: pick up a token rotated by `simpul-runner rotate-token`, and tell a revocation
// (stop for good) from a token the hub merely forgot (register again).
import { unwatchFile, watchFile } from 'node:fs';
import type { HubError } from './errors.ts';
import type { Logger } from './log.ts';
import { readState } from './state.ts';

/** A 401 that says the runner was revoked by an admin, as opposed to a token the hub does not know (a reset hub). */
export function isRevocation(e: HubError): boolean {
  const details = e.details as { revoked?: unknown } | undefined;
  return details?.revoked === true || /\bwas revoked\b/.test(e.message);
}

/** The token the state file holds for this runner when it is not `current` (rotate-token wrote it), else null. */
export function rotatedToken(path: string, runnerId: string, current: string): string | null {
  try {
    const s = readState(path);
    return s && s.runner_id === runnerId && s.token !== current ? s.token : null;
  } catch {
    return null; // unreadable now (the watcher logs that); the refusal stands
  }
}

/**
 * Watches the state file: when another process (rotate-token) wrote a new token for this same runner, `adopt` gets
 * it. The old token keeps working for the hub's overlap (5 minutes by default), far longer than this takes to notice;
 * a request refused meanwhile looks here again too (rotatedToken, from the link) before the runner re-registers.
 */
export function watchToken(
  path: string,
  runnerId: () => string,
  adopt: (token: string) => void,
  log: Logger,
  intervalMs = 1000,
): () => void {
  const onChange = () => {
    try {
      const s = readState(path);
      if (s && s.runner_id === runnerId()) adopt(s.token);
    } catch (e) {
      log.warn('state file changed but cannot be read', { path, error: (e as Error).message });
    }
  };
  watchFile(path, { interval: intervalMs, persistent: false }, onChange);
  return () => unwatchFile(path, onChange);
}
