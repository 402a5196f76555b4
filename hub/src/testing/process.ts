// Runs the real hub CLI (`hub/src/main.ts`) as a child process for restart and signal tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { HUB_NODE_FLAGS } from '../node-flags.ts';

const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));

export interface HubProcess {
  proc: ChildProcess;
  url: string;
  output(): string;
  exited: Promise<number | null>;
}

/** Starts main.ts with the hub's Node flags (as `npm run hub` does), or with `nodeFlags`. */
export async function startHubProcess(
  env: Record<string, string>,
  timeoutMs = 30_000,
  nodeFlags: readonly string[] = HUB_NODE_FLAGS,
): Promise<HubProcess> {
  const proc = spawn(process.execPath, [...nodeFlags, '--import', 'tsx', MAIN], {
    env: { ...process.env, SIMPUL_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`hub did not start:\n${out}`)), timeoutMs);
    const check = () => {
      const m = /running at (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    proc.stdout!.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`hub exited with ${code} before starting:\n${out}`));
    });
  });
  return { proc, url, output: () => out, exited };
}
