// A small HTTP client for tests and scripts: every call returns the status and the parsed body.
export interface Reply<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export class Api {
  constructor(
    readonly base: string,
    public token?: string,
  ) {}

  async req<T = any>(
    method: string,
    path: string,
    body?: unknown,
    opts: { token?: string | null; headers?: Record<string, string>; raw?: string } = {},
  ): Promise<Reply<T>> {
    const headers: Record<string, string> = { ...opts.headers };
    const token = opts.token === null ? undefined : (opts.token ?? this.token);
    if (token) headers.authorization = `Bearer ${token}`;
    let payload: string | undefined = opts.raw;
    if (body !== undefined) {
      payload = JSON.stringify(body);
      headers['content-type'] = 'application/json';
    } else if (payload !== undefined) headers['content-type'] ??= 'application/json';
    const res = await fetch(this.base + path, { method, headers, body: payload });
    const text = await res.text();
    let parsed: any = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      /* not JSON: keep text */
    }
    return { status: res.status, body: parsed, headers: res.headers };
  }
  get<T = any>(path: string, opts?: Parameters<Api['req']>[3]) {
    return this.req<T>('GET', path, undefined, opts);
  }
  post<T = any>(path: string, body?: unknown, opts?: Parameters<Api['req']>[3]) {
    return this.req<T>('POST', path, body, opts);
  }

  async login(username: string, password: string): Promise<string> {
    const r = await this.post('/api/v1/auth/login', { username, password }, { token: null });
    if (r.status !== 200) throw new Error(`login failed: ${r.status} ${JSON.stringify(r.body)}`);
    this.token = r.body.token;
    return r.body.token;
  }

  async task(id: string) {
    const r = await this.get(`/api/v1/tasks/${id}`);
    if (r.status !== 200) throw new Error(`GET task ${id}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  }

  /** Waits until the task is in one of `states` (default: any final state) and returns it. */
  async waitTask(id: string, states = ['succeeded', 'failed', 'canceled'], timeoutMs = 60_000) {
    const end = Date.now() + timeoutMs;
    let t: any;
    for (;;) {
      t = await this.task(id);
      if (states.includes(t.status)) return t;
      if (Date.now() > end)
        throw new Error(
          `task ${id} is ${t.status} after ${timeoutMs} ms, waiting for ${states.join('|')}: ${JSON.stringify(t)}`,
        );
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
