// Starts a real hub process on a free port with its own data dir.
import { join } from 'node:path';
import { Api } from './api.ts';
import { freePort, type Proc, ROOT, spawnHub, tempDir, waitFor } from './procs.ts';

export interface HubOptions {
  env?: Record<string, string | undefined>;
  dataDir?: string;
  port?: number;
  name?: string;
}

export const ADMIN_PASSWORD = 'test-admin-password-1';
export const ENROLLMENT_KEY = 'sme_test-enrolment-key-0123456789';

export class HubProc {
  proc!: Proc;
  api!: Api;
  constructor(
    readonly url: string,
    readonly port: number,
    readonly dataDir: string,
    readonly env: Record<string, string | undefined>,
    readonly name: string,
  ) {}

  static async start(opts: HubOptions = {}): Promise<HubProc> {
    const port = opts.port ?? (await freePort());
    const dataDir = opts.dataDir ?? tempDir('simpul-hub-');
    const env = {
      SIMPUL_PORT: String(port),
      SIMPUL_HOST: '127.0.0.1',
      SIMPUL_DATA_DIR: dataDir,
      SIMPUL_ADMIN_PASSWORD: ADMIN_PASSWORD,
      SIMPUL_ENROLLMENT_KEY: ENROLLMENT_KEY,
      SIMPUL_LOG_LEVEL: 'debug',
      ...opts.env,
    };
    const hub = new HubProc(`http://127.0.0.1:${port}`, port, dataDir, env, opts.name ?? 'hub');
    await hub.launch();
    return hub;
  }

  /** (Re)starts the process with the same port, data dir and settings. */
  async launch() {
    this.proc = spawnHub(this.name, [], this.env, join(ROOT, 'test-artifacts', 'logs'));
    this.api = new Api(this.url);
    await waitFor(
      async () => {
        if (!this.proc.running) throw new Error(`hub exited (${this.proc.exitCode}):\n${this.proc.logs}`);
        const r = await fetch(`${this.url}/api/v1/auth/me`).catch(() => undefined);
        return r?.status === 401;
      },
      `hub on ${this.url} to answer`,
      30_000,
    );
    await this.api.login('admin', ADMIN_PASSWORD);
  }

  async runners(): Promise<any[]> {
    const r = await this.api.get('/api/v1/runners');
    return r.body.runners;
  }

  /** Online means connected: by socket, or by long-poll/ping (transport is set once the runner has called in). */
  async waitRunnerOnline(name: string, online = true, timeoutMs = 120_000) {
    const ok = (r: any) => r.name === name && r.online === online && (!online || r.transport !== null);
    return waitFor(
      async () => (await this.runners()).find(ok),
      `runner ${name} ${online ? 'online' : 'offline'}`,
      timeoutMs,
      100,
    );
  }

  stop() {
    return this.proc.stop();
  }
  kill9() {
    return this.proc.kill9();
  }
}
