// A small fetch wrapper for the hub's API tests: JSON in, status + JSON out.
import { PROTOCOL_VERSION, type RegisterReply } from '@simpul/protocol';

export interface Reply<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export interface CallOptions {
  token?: string;
  body?: unknown;
  raw?: string; // sent as is (bad JSON tests)
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export async function call<T = any>(
  base: string,
  method: string,
  path: string,
  opts: CallOptions = {},
): Promise<Reply<T>> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let body: string | undefined;
  if (opts.raw !== undefined) body = opts.raw;
  else if (opts.body !== undefined) body = JSON.stringify(opts.body);
  if (body !== undefined) headers['content-type'] ??= 'application/json';
  const res = await fetch(base + path, { method, headers, body, signal: opts.signal });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON (static files): keep the text
  }
  return { status: res.status, body: parsed as T, headers: res.headers };
}

export async function register(
  base: string,
  key: string,
  name: string,
  datasets: string[] = [],
): Promise<RegisterReply> {
  const r = await call<RegisterReply>(base, 'POST', '/api/v1/register', {
    body: {
      enrollment_key: key,
      name,
      protocol_version: PROTOCOL_VERSION,
      datasets: datasets.map((d) => ({
        name: d,
        columns: [{ name: 'x', type: 'BIGINT', kind: 'number' }],
        row_count: 3,
      })),
    },
  });
  if (r.status !== 201) throw new Error(`register failed: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

export async function login(
  base: string,
  username: string,
  password: string,
): Promise<{ token: string; cookie: string }> {
  const r = await call(base, 'POST', '/api/v1/auth/login', { body: { username, password } });
  if (r.status !== 200) throw new Error(`login failed: ${r.status} ${JSON.stringify(r.body)}`);
  const cookie = (r.headers.get('set-cookie') ?? '').split(';')[0];
  return { token: r.body.token, cookie };
}
