// Asking for work over the socket: as many tasks as there are free slots; after a task ends, only if the hub's own push
// has not filled the slot meanwhile.
import { NetworkError } from '../errors.ts';
import type { Executor } from '../executor.ts';
import type { Logger } from '../log.ts';
import type { SocketChannel } from './socket.ts';

/**
 * How long after a slot frees to ask for work. The hub offers work to a runner whose task ended (it heard the result)
 * within a few ms; asking at once as well would cost the hub a second claim per task, in the way of the next result.
 */
export const CLAIM_AFTER_FREE_MS = 50;

export interface ClaimsContext {
  socket(): SocketChannel | null;
  executor(): Executor;
  reserved(): number; // slots a long-poll in flight may still fill
  draining(): boolean;
  held(): void; // tasks were taken: the machine hears that the executor holds a lease
  log: Logger;
  onHubError(e: unknown, during: string): void;
}

export class SocketClaims {
  private claiming = false;
  private again = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly ctx: ClaimsContext) {}

  /** A slot freed: ask a little later, if it is still free then. */
  soon(): void {
    this.timer ??= setTimeout(() => {
      this.timer = null;
      void this.now();
    }, CLAIM_AFTER_FREE_MS);
  }

  /** Ask for as many tasks as there are free slots (minus what a finishing long-poll may still bring). */
  async now(): Promise<void> {
    if (this.claiming) {
      this.again = true;
      return;
    }
    this.claiming = true;
    try {
      do {
        this.again = false;
        const s = this.ctx.socket();
        const executor = this.ctx.executor();
        const limit = Math.min(50, executor.free() - this.ctx.reserved());
        if (!s?.connected || this.ctx.draining() || limit <= 0) break;
        const reply = await s.claim(limit);
        for (const offer of reply.tasks) executor.accept(offer, true);
        if (reply.tasks.length > 0) this.ctx.held();
      } while (this.again);
    } catch (e) {
      if (e instanceof NetworkError) this.ctx.log.debug('claim over socket failed', { error: e.message });
      else this.ctx.onHubError(e, 'claim');
    } finally {
      this.claiming = false;
    }
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
