// In-process events that wake long-polls and the dispatcher, and feed the web's live updates.
import { EventEmitter } from 'node:events';

export interface CancelNotice {
  runnerId: string;
  taskId: string;
  reason: string;
}

interface Events {
  available: []; // tasks became claimable: created, re-queued, handed back
  freed: [runnerId: string]; // a runner finished a task and may take another
  lost: [runnerId: string]; // a runner let a lease expire: it may be frozen or cut off
  tasks: [ids: string[]]; // tasks changed (web updates)
  runners: [ids: string[]]; // runners changed (web updates)
  cancel: [notice: CancelNotice]; // a held task was asked to stop
  revoked: [runnerId: string, message: string]; // a runner's token was revoked: disconnect it now
}

export class Notifier {
  private readonly emitter = new EventEmitter();

  constructor() {
    // Every long-poll waits on `available`; thousands of them are expected.
    this.emitter.setMaxListeners(0);
  }

  on<K extends keyof Events>(event: K, fn: (...args: Events[K]) => void): () => void {
    this.emitter.on(event, fn as (...a: unknown[]) => void);
    return () => this.emitter.off(event, fn as (...a: unknown[]) => void);
  }

  available(): void {
    this.emitter.emit('available');
  }
  freed(runnerId: string): void {
    this.emitter.emit('freed', runnerId);
  }
  lost(runnerId: string): void {
    this.emitter.emit('lost', runnerId);
  }
  tasks(ids: string[]): void {
    if (ids.length) this.emitter.emit('tasks', ids);
  }
  runners(ids: string[]): void {
    if (ids.length) this.emitter.emit('runners', ids);
  }
  cancel(notice: CancelNotice): void {
    this.emitter.emit('cancel', notice);
  }
  revoked(runnerId: string, message: string): void {
    this.emitter.emit('revoked', runnerId, message);
  }

  /** Resolves on the next `available`, after `ms`, or when `signal` aborts, whichever is first. */
  waitAvailable(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        off();
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      const off = this.on('available', done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }
}
