// The child processes of `npm start`: each runs a TypeScript entry point; one that may restart does so under its
// RestartPolicy (with a line in the log), any other that stops takes everything down.
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import type { RestartPolicy } from './restart-policy.ts';

export interface ChildSpec {
  name: string;
  script: string; // relative to the project root
  args: string[];
  env: Record<string, string>;
  /** Node flags before the script (the hub's: HUB_NODE_FLAGS). */
  nodeFlags?: readonly string[];
  /** Restart this child when it exits; without one, its exit stops everything. */
  restart?: RestartPolicy;
}

const seconds = (ms: number) => `${Number((ms / 1000).toFixed(1))} s`;

export class Supervisor {
  readonly #children = new Map<string, ChildProcess>();
  #stopping = false;

  constructor(readonly root: string) {}

  get stopping(): boolean {
    return this.#stopping;
  }

  start(spec: ChildSpec): ChildProcess {
    const child = spawn(
      process.execPath,
      [...(spec.nodeFlags ?? []), '--import', 'tsx', join(this.root, spec.script), ...spec.args],
      {
        cwd: this.root,
        env: { ...process.env, ...spec.env },
        stdio: ['ignore', 'inherit', 'inherit'],
      },
    );
    this.#children.set(spec.name, child);
    if (spec.restart) console.log(`${spec.name} started (pid ${child.pid}).`);
    child.on('exit', (code, signal) => this.#exited(spec, signal ?? code));
    return child;
  }

  #exited(spec: ChildSpec, how: NodeJS.Signals | number | null): void {
    if (this.#stopping) return;
    if (!spec.restart) {
      console.error(`${spec.name} stopped (${how}); shutting down.`);
      this.shutdown(typeof how === 'number' ? how : 1);
      return;
    }
    const d = spec.restart.onExit(Date.now());
    if (!d.restart) {
      console.error(`${spec.name} exited (${how}); not restarting it: ${d.reason}. The hub keeps running.`);
      return;
    }
    console.error(`${spec.name} exited (${how}); restarting it in ${seconds(d.delayMs)} (restart ${d.attempt}).`);
    setTimeout(() => {
      if (!this.#stopping) this.start(spec);
    }, d.delayMs);
  }

  /** Stops every child (SIGTERM, then exit after at most 8 s) and exits with `code`. */
  shutdown(code = 0): void {
    if (this.#stopping) return;
    this.#stopping = true;
    const children = [...this.#children.values()].reverse();
    for (const c of children) c.kill('SIGTERM');
    setTimeout(() => process.exit(code), 8000).unref();
    const gone = (c: ChildProcess) =>
      new Promise((r) => (c.exitCode !== null || c.signalCode !== null ? r(null) : c.on('exit', r)));
    void Promise.all(children.map(gone)).then(() => process.exit(code));
  }
}
