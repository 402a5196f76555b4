// Live runners and tasks: a snapshot over HTTP, then kept current by the hub's `/web` Socket.IO namespace.
import { io, type Socket } from 'socket.io-client';
import { SvelteMap } from 'svelte/reactivity';
import { ErrorInfo, isFinal, RunnerView, TaskView, WEB_NAMESPACE, type ResultView } from '@simpul/protocol';
import type { HubToWebEvents, WebToHubEvents } from '@simpul/protocol';
import { api, toLogin } from './api.ts';
import { clock } from './clock.svelte.ts';
import { errorText } from './errors.ts';

export type LinkState = 'idle' | 'connecting' | 'live' | 'offline';

/** How many recent tasks to load when (re)connecting; older ones are fetched by the pages that need them. */
const SNAPSHOT_TASKS = 200;

class Live {
  runners = new SvelteMap<string, RunnerView>();
  tasks = new SvelteMap<string, TaskView>();
  link = $state<LinkState>('idle');
  loaded = $state(false);
  error = $state<string | null>(null);
  /** Raised each time the link comes back after it was lost: pages that read it load their data again. */
  reconnects = $state(0);
  #socket: Socket<HubToWebEvents, WebToHubEvents> | null = null;
  #retry: ReturnType<typeof setTimeout> | undefined;

  start(): void {
    if (this.#socket) return;
    this.link = 'connecting';
    // Same origin: the session cookie travels with the handshake. WebSocket only: its handshake always carries the
    // Origin header the hub checks, and several hubs behind a load balancer need no sticky sessions.
    const socket: Socket<HubToWebEvents, WebToHubEvents> = io(WEB_NAMESPACE, {
      withCredentials: true,
      transports: ['websocket'],
    });
    this.#socket = socket;
    socket.on('connect', () => {
      if (this.link === 'offline') this.reconnects += 1;
      this.link = 'live';
      clock.thaw();
      // Updates sent while we were away are lost; a fresh snapshot puts us back in step.
      void this.refresh();
    });
    socket.on('disconnect', (reason) => {
      this.#lost();
      // The client reconnects by itself after a lost connection, but not when the hub closed the socket (a hub
      // restarting, or the session ended): try once more; a session that ended is refused and leads to the login page.
      if (reason === 'io server disconnect') this.#retry = setTimeout(() => socket.connect(), 1000);
    });
    socket.on('connect_error', (err: Error & { data?: unknown }) => {
      this.#lost();
      const info = ErrorInfo.safeParse(err.data);
      if (info.success && info.data.code === 'unauthorized') {
        this.stop();
        toLogin();
        return;
      }
      // A refusal by the hub's middleware is not retried by the client itself.
      if (!socket.active) this.#retry = setTimeout(() => socket.connect(), 3000);
    });
    socket.on('runner:update', (raw) => {
      const r = RunnerView.safeParse(raw);
      if (r.success) this.putRunner(r.data);
      else console.warn('runner:update did not parse', r.error.issues);
    });
    socket.on('task:update', (raw) => {
      const t = TaskView.safeParse(raw);
      if (t.success) this.putTask(t.data);
      else console.warn('task:update did not parse', t.error.issues);
    });
    // The first snapshot need not wait for the socket.
    void this.refresh();
  }

  /** The hub cannot be reached: what is on screen becomes the last known state, with its clock stopped. */
  #lost(): void {
    this.link = 'offline';
    clock.freeze(Date.now());
  }

  /** True while the hub is unreachable: live states on screen are the last known ones. */
  get stale(): boolean {
    return this.link === 'offline';
  }

  stop(): void {
    clearTimeout(this.#retry);
    clock.thaw();
    this.#socket?.disconnect();
    this.#socket = null;
    this.runners.clear();
    this.tasks.clear();
    this.link = 'idle';
    this.loaded = false;
  }

  async refresh(): Promise<void> {
    try {
      const [r, t] = await Promise.all([api.runners(), api.tasks({ limit: SNAPSHOT_TASKS })]);
      const seen = new Set(r.runners.map((x) => x.runner_id));
      for (const id of this.runners.keys()) if (!seen.has(id)) this.runners.delete(id);
      for (const x of r.runners) this.runners.set(x.runner_id, x);
      for (const x of t.tasks) this.putTask(x);
      this.error = null;
      this.loaded = true;
    } catch (e) {
      this.error = errorText(e);
    }
  }

  putRunner(r: RunnerView): void {
    this.runners.set(r.runner_id, r);
  }

  /** Keeps the newest version of a task; an older snapshot never overwrites a newer live update. */
  putTask(t: TaskView): void {
    const old = this.tasks.get(t.task_id);
    if (old && old.updated_at > t.updated_at) return;
    this.tasks.set(t.task_id, t.attempts || !old?.attempts ? t : { ...t, attempts: old.attempts });
  }

  /**
   * A task's end, learnt from its result before the live update came: shown at once. The update (newer) replaces this
   * copy when it arrives, with the times and attempts.
   */
  settleTask(id: string, view: ResultView): void {
    const t = this.tasks.get(id);
    if (!t || isFinal(t.status) || !isFinal(view.status)) return;
    const progress = view.status === 'succeeded' ? 100 : (view.progress ?? t.progress);
    this.tasks.set(id, { ...t, status: view.status, progress, error: view.error ?? null });
  }

  runnerName(id: string | null): string {
    if (!id) return 'any runner';
    return this.runners.get(id)?.name ?? id;
  }
}

export const live = new Live();
