// Keeps the status file current while the runner runs: connection, tasks with progress, last problems.
import type { Transport } from '@simpul/protocol';
import type { RunnerConfig } from '../config.ts';
import { RUNNER_VERSION } from '../version.ts';
import { REFRESH_MS, type StatusFile, type TaskStatus, writeStatus } from './file.ts';
import type { RecentProblems } from './problems.ts';

const TICK_MS = 1000;

export interface StatusSources {
  config: RunnerConfig;
  link: { readonly runnerId: string; readonly currentTransport: Transport | null };
  executor: { snapshot(): TaskStatus[]; readonly draining: boolean };
  problems: RecentProblems;
}

export class StatusWriter {
  private timer: NodeJS.Timeout | null = null;
  private last = '';
  private writtenAt = 0;
  private transport: Transport | null = null;
  private since: string | null = null;
  private readonly startedAt = new Date().toISOString();

  constructor(
    private readonly path: string,
    private readonly src: StatusSources,
  ) {}

  start(): void {
    this.tick();
    this.timer = setInterval(() => this.tick(), TICK_MS);
    this.timer.unref();
  }

  /** Writes a last time, saying the runner stopped. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.write('stopped', true);
  }

  private tick(): void {
    this.write(this.src.executor.draining ? 'draining' : 'running', false);
  }

  private write(state: StatusFile['state'], force: boolean): void {
    const { config, link, executor, problems } = this.src;
    const transport = state === 'stopped' ? null : link.currentTransport;
    if (transport !== this.transport) {
      this.transport = transport;
      this.since = new Date().toISOString();
    }
    const body: Omit<StatusFile, 'updated_at'> = {
      pid: process.pid,
      name: config.name,
      version: RUNNER_VERSION,
      hub: config.hub,
      runner_id: link.runnerId,
      state,
      started_at: this.startedAt,
      connection: { transport, since: this.since },
      concurrency: config.concurrency,
      tasks: state === 'stopped' ? [] : executor.snapshot(),
      last_errors: problems.list(),
    };
    const key = JSON.stringify(body);
    const now = Date.now();
    if (!force && key === this.last && now - this.writtenAt < REFRESH_MS) return;
    this.last = key;
    this.writtenAt = now;
    writeStatus(this.path, { ...body, updated_at: new Date(now).toISOString() });
  }
}
