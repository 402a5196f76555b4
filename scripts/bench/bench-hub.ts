// A hub process for benchmarks: like HubProc, plus optional Node flags (BENCH_PROFILE=DIR writes a CPU profile per hub
// run; BENCH_HUB_FLAGS adds more, e.g. "--trace-gc", with the hubs' output appended to the file BENCH_HUB_LOG names)
// and readings of its CPU time and resident memory from /proc.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HUB_NODE_FLAGS } from '../../hub/src/node-flags.ts';
import { Api } from '../lib/api.ts';
import { ADMIN_PASSWORD, ENROLLMENT_KEY, HubProc } from '../lib/hub.ts';
import { freePort, Proc, ROOT, tempDir, waitFor } from '../lib/procs.ts';

export { ENROLLMENT_KEY };

const TICKS_PER_S = 100; // Linux USER_HZ

export class BenchHub extends HubProc {
  /** performance.now() when the last launch first answered HTTP (before the admin login). */
  answeredAt = 0;

  static async create(name: string, env: Record<string, string | undefined> = {}): Promise<BenchHub> {
    const port = await freePort();
    const dataDir = tempDir('simpul-bench-hub-');
    const hub = new BenchHub(
      `http://127.0.0.1:${port}`,
      port,
      dataDir,
      {
        SIMPUL_PORT: String(port),
        SIMPUL_DATA_DIR: dataDir,
        SIMPUL_HOST: '127.0.0.1',
        SIMPUL_ADMIN_PASSWORD: ADMIN_PASSWORD,
        SIMPUL_ENROLLMENT_KEY: ENROLLMENT_KEY,
        SIMPUL_LOG_LEVEL: 'warn',
        ...env,
      },
      name,
    );
    await hub.launch();
    return hub;
  }

  override async launch(): Promise<void> {
    const flags: string[] = [...HUB_NODE_FLAGS];
    if (process.env.BENCH_PROFILE) flags.push('--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`);
    flags.push(...(process.env.BENCH_HUB_FLAGS ?? '').split(' ').filter(Boolean));
    const child = spawn(process.execPath, [...flags, '--import', 'tsx', join(ROOT, 'hub/src/main.ts')], {
      cwd: ROOT,
      env: { ...process.env, FORCE_COLOR: '0', ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.proc = new Proc(this.name, child, process.env.BENCH_HUB_LOG);
    this.api = new Api(this.url);
    await waitFor(
      async () => {
        if (!this.proc.running) throw new Error(`hub exited (${this.proc.exitCode}):\n${this.proc.logs}`);
        const r = await fetch(`${this.url}/api/v1/auth/me`).catch(() => undefined);
        return r?.status === 401;
      },
      `hub on ${this.url} to answer`,
      60_000,
    );
    this.answeredAt = performance.now();
    // Thousands of runners may be reconnecting at this moment: keep trying.
    await waitFor(() => this.api.login('admin', ADMIN_PASSWORD), 'admin login', 120_000, 500);
  }

  /** CPU seconds (user + system) the hub process has used so far. */
  cpuSeconds(): number {
    const fields = readFileSync(`/proc/${this.proc.pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_S;
  }

  /** Resident memory in bytes. */
  rssBytes(): number {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${this.proc.pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  }
}

/** Percent of one core the hub used over `ms` of wall time. */
export async function cpuPercent(hub: BenchHub, ms: number): Promise<number> {
  const c0 = hub.cpuSeconds();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, ms));
  return (100 * (hub.cpuSeconds() - c0)) / ((performance.now() - t0) / 1000);
}
