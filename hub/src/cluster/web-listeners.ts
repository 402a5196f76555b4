// Web users listening anywhere in the cluster: a hub builds live updates only if some hub has a web socket to send them to.

/** How long a hub's "listening" claim holds without being repeated (it repeats every REFRESH_MS). */
export const REFRESH_MS = 5_000;
const EXPIRE_MS = 3 * REFRESH_MS;

export class WebListeners {
  private readonly remote = new Map<string, number>(); // hub id → until when its claim holds

  /** A message from another hub. */
  heard(hub: string, listening: boolean, now = Date.now()): void {
    if (listening) this.remote.set(hub, now + EXPIRE_MS);
    else this.remote.delete(hub);
  }

  /** Whether any other hub has web users connected. */
  any(now = Date.now()): boolean {
    for (const [hub, until] of this.remote) {
      if (until > now) return true;
      this.remote.delete(hub); // went away without saying so (killed)
    }
    return false;
  }
}
