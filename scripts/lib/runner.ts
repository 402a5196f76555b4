// Starts a real runner process with a config file in a temp dir.
import { join } from 'node:path';
import { stringify } from 'yaml';
import { writeFileSync } from 'node:fs';
import { ENROLLMENT_KEY, type HubProc } from './hub.ts';
import { type Proc, ROOT, spawnTs, tempDir } from './procs.ts';

export interface RunnerOptions {
  name: string;
  datasets: { name: string; path?: string; [k: string]: unknown }[]; // path, or e.g. format: postgres with connection and table
  transport?: 'websocket' | 'polling';
  args?: string[];
  env?: Record<string, string | undefined>;
  config?: Record<string, unknown>;
  hubUrl?: string;
}

export class RunnerProc {
  proc!: Proc;
  constructor(
    readonly hub: HubProc,
    readonly opts: RunnerOptions,
    readonly configPath: string,
  ) {}

  static async start(hub: HubProc, opts: RunnerOptions, waitOnline = true): Promise<RunnerProc> {
    const dir = tempDir('simpul-runner-');
    const configPath = join(dir, 'runner.yaml');
    writeFileSync(
      configPath,
      stringify({
        hub: opts.hubUrl ?? hub.url,
        name: opts.name,
        enrollment_key: ENROLLMENT_KEY,
        datasets: opts.datasets,
        ...opts.config,
      }),
    );
    const r = new RunnerProc(hub, opts, configPath);
    r.launch();
    if (waitOnline) await hub.waitRunnerOnline(opts.name);
    return r;
  }

  launch() {
    const args = [
      '--config',
      this.configPath,
      ...(this.opts.transport ? ['--transport', this.opts.transport] : []),
      ...(this.opts.args ?? []),
    ];
    this.proc = spawnTs(
      this.opts.name,
      'runner/src/cli.ts',
      args,
      { ...this.opts.env },
      join(ROOT, 'test-artifacts', 'logs'),
    );
  }

  async id(): Promise<string> {
    const r = (await this.hub.runners()).find((x) => x.name === this.opts.name);
    if (!r) throw new Error(`runner ${this.opts.name} is not registered`);
    return r.runner_id;
  }

  stop() {
    return this.proc.stop();
  }
  kill9() {
    return this.proc.kill9();
  }
}
