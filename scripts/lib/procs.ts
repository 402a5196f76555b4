// Real hub and runner processes for end-to-end tests and benchmarks: start, signal, read their logs, clean up.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, createWriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HUB_NODE_FLAGS } from '../../hub/src/node-flags.ts';

export const ROOT = join(import.meta.dirname, '..', '..');
const live = new Set<ChildProcess>();
const temps: string[] = [];
process.on('exit', () => {
  for (const p of live)
    try {
      p.kill('SIGKILL');
    } catch {
      /* gone */
    }
  for (const d of temps)
    try {
      rmSync(d, { recursive: true, force: true });
    } catch {
      /* best effort */
    }
});

export function tempDir(prefix = 'simpul-test-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  temps.push(d);
  return d;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it returns a truthy value; throws with `what` after `timeoutMs`. */
export async function waitFor<T>(
  check: () => Promise<T> | T,
  what: string,
  timeoutMs = 30_000,
  everyMs = 50,
): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v as NonNullable<T>;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await sleep(everyMs);
  }
}

export class Proc {
  logs = '';
  exited: Promise<number | null>;
  exitCode: number | null | undefined;
  constructor(
    readonly name: string,
    readonly child: ChildProcess,
    logFile?: string,
  ) {
    live.add(child);
    const sink = logFile ? createWriteStream(logFile, { flags: 'a' }) : undefined;
    const take = (d: Buffer) => {
      this.logs += d.toString();
      sink?.write(d);
      if (process.env.SIMPUL_TEST_VERBOSE) process.stderr.write(`[${name}] ${d}`);
    };
    child.stdout?.on('data', take);
    child.stderr?.on('data', take);
    this.exited = new Promise((resolve) =>
      child.on('exit', (code) => {
        live.delete(child);
        this.exitCode = code;
        sink?.end();
        resolve(code);
      }),
    );
  }
  get pid() {
    return this.child.pid!;
  }
  get running() {
    return this.exitCode === undefined;
  }
  signal(sig: NodeJS.Signals) {
    if (this.running) this.child.kill(sig);
  }
  async kill9() {
    this.signal('SIGKILL');
    await this.exited;
  }
  async stop(timeoutMs = 15_000) {
    if (!this.running) return this.exitCode;
    this.signal('SIGTERM');
    const t = setTimeout(() => this.signal('SIGKILL'), timeoutMs);
    const code = await this.exited;
    clearTimeout(t);
    return code;
  }
  /** Resolves when the process's output matches `re`. */
  waitLog(re: RegExp, timeoutMs = 30_000) {
    return waitFor(() => re.test(this.logs), `${this.name} to log ${re}`, timeoutMs);
  }
}

export function spawnTs(
  name: string,
  script: string,
  args: string[],
  env: Record<string, string | undefined>,
  logDir?: string,
  flags: readonly string[] = [],
): Proc {
  const child = spawn(process.execPath, [...flags, '--import', 'tsx', join(ROOT, script), ...args], {
    cwd: ROOT,
    env: { ...process.env, FORCE_COLOR: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let logFile: string | undefined;
  if (logDir) {
    mkdirSync(logDir, { recursive: true });
    logFile = join(logDir, `${name}.log`);
  }
  return new Proc(name, child, logFile);
}

/** The hub CLI (hub/src/main.ts) with its Node flags, as `npm run hub` and `npm start` run it. */
export function spawnHub(name: string, args: string[], env: Record<string, string | undefined>, logDir?: string): Proc {
  return spawnTs(name, 'hub/src/main.ts', args, env, logDir, HUB_NODE_FLAGS);
}
