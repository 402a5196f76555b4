// Test support: real hub and runner processes (spawned with tsx), an HTTP proxy that can refuse websockets, and cleanup.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, request, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';

export const ROOT = join(import.meta.dirname, '..', '..', '..');
export const ENROLLMENT_KEY = 'sme_runner-test-key-0123456789';
const ADMIN_PASSWORD = 'runner-test-admin-password';

const live = new Set<ChildProcess>();
const dirs: string[] = [];
process.on('exit', () => {
  for (const c of live) c.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

export function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}

export async function until<T>(what: string, check: () => T | Promise<T>, timeoutMs = 60_000): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v as NonNullable<T>;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export class Child {
  output = '';
  code: number | null | undefined = undefined;
  readonly exited: Promise<number | null>;
  private readonly child: ChildProcess;

  constructor(script: string, args: string[], env: Record<string, string>) {
    this.child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, script), ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    live.add(this.child);
    const take = (d: Buffer) => (this.output += d.toString());
    this.child.stdout?.on('data', take);
    this.child.stderr?.on('data', take);
    this.exited = new Promise((resolve) =>
      this.child.on('exit', (code) => {
        live.delete(this.child);
        this.code = code;
        resolve(code);
      }),
    );
  }

  get running(): boolean {
    return this.code === undefined;
  }

  /** Lines of output matching `re`. */
  lines(re: RegExp): string[] {
    return this.output.split('\n').filter((l) => re.test(l));
  }

  waitFor(re: RegExp, timeoutMs = 60_000): Promise<boolean> {
    return until(
      `output matching ${re}`,
      () => {
        if (re.test(this.output)) return true;
        if (!this.running) throw new Error(`exited (${this.code}) without it:\n${this.output.slice(-3000)}`);
        return false;
      },
      timeoutMs,
    );
  }

  async stop(): Promise<number | null> {
    if (!this.running) return this.code ?? null;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 20_000);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }

  async kill(): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }
}

export class Hub {
  proc!: Child;
  token = '';
  constructor(
    readonly port: number,
    readonly dataDir: string,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  static async start(port = 0, dataDir = tempDir('simpul-runner-hub-')): Promise<Hub> {
    const hub = new Hub(port, dataDir);
    await hub.launch();
    return hub;
  }

  async launch(): Promise<void> {
    this.proc = new Child('hub/src/main.ts', [], {
      SIMPUL_PORT: String(this.port),
      SIMPUL_HOST: '127.0.0.1',
      SIMPUL_DATA_DIR: this.dataDir,
      SIMPUL_ENROLLMENT_KEY: ENROLLMENT_KEY,
      SIMPUL_ADMIN_PASSWORD: ADMIN_PASSWORD,
      SIMPUL_HEARTBEAT_S: '1',
      SIMPUL_LOG_LEVEL: 'info',
    });
    await this.proc.waitFor(/running at http:\/\/127\.0\.0\.1:\d+/);
    const port = Number(/running at http:\/\/127\.0\.0\.1:(\d+)/.exec(this.proc.output)?.[1]);
    (this as { port: number }).port = port; // the OS picked it when asked for port 0; keep it for restarts
    const login = await this.call('POST', '/api/v1/auth/login', { username: 'admin', password: ADMIN_PASSWORD });
    this.token = login.token;
  }

  async call(method: string, path: string, body?: unknown): Promise<any> {
    const res = await fetch(`${this.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(this.token ? { authorization: `Bearer ${this.token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  }

  async runner(name: string): Promise<any> {
    return (await this.call('GET', '/api/v1/runners')).runners.find((r: any) => r.name === name);
  }

  /** Create a task and wait for it to finish; returns the result view. */
  async run(body: unknown, timeoutMs = 60_000): Promise<any> {
    const { task_id } = await this.call('POST', '/api/v1/tasks', body);
    return until(
      `task ${task_id} to finish`,
      async () => {
        const r = await this.call('GET', `/api/v1/result/${task_id}`);
        return ['succeeded', 'failed', 'canceled'].includes(r.status) ? r : null;
      },
      timeoutMs,
    );
  }
}

/** Start a runner process with a YAML config (written into a temp dir); returns it and the config path. */
export function startRunner(
  config: Record<string, unknown>,
  args: string[] = [],
  dir = tempDir('simpul-runner-proc-'),
): { proc: Child; configPath: string; dir: string } {
  const configPath = join(dir, 'runner.yaml');
  writeFileSync(configPath, YAML.stringify(config));
  return { proc: new Child('runner/src/cli.ts', ['--config', configPath, ...args], {}), configPath, dir };
}

/**
 * A reverse proxy in front of the hub that forwards plain HTTP (so long-polling works) and forwards websocket upgrades
 * only while `allowUpgrades` is true: a network where websockets are blocked, then fixed.
 */
export class HubProxy {
  allowUpgrades = false;
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(private readonly target: Hub) {
    this.server = createServer((req, res) => {
      const up = request(
        { host: '127.0.0.1', port: this.target.port, method: req.method, path: req.url, headers: req.headers },
        (r) => {
          res.writeHead(r.statusCode ?? 502, r.headers);
          r.pipe(res);
        },
      );
      up.on('error', () => res.destroy());
      req.pipe(up);
    });
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    this.server.on('upgrade', (req: IncomingMessage, client: Socket, head: Buffer) => {
      if (!this.allowUpgrades) {
        client.destroy();
        return;
      }
      const upstream = connect(this.target.port, '127.0.0.1', () => {
        const lines = [
          `${req.method} ${req.url} HTTP/1.1`,
          ...Object.entries(req.headers).map(([k, v]) => `${k}: ${String(v)}`),
          '',
          '',
        ];
        upstream.write(lines.join('\r\n'));
        if (head.length) upstream.write(head);
        upstream.pipe(client);
        client.pipe(upstream);
      });
      this.sockets.add(upstream);
      upstream.on('close', () => this.sockets.delete(upstream));
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
    });
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
