// Talks to the hub's HTTP API: same-origin cookies, every reply parsed with the protocol's schemas, errors as ApiError.
import { goto } from '$app/navigation';
import {
  API_PREFIX,
  CancelReply,
  ErrorBody,
  LoginReply,
  ResultView,
  RunnerList,
  SessionReply,
  TaskCreated,
  TaskList,
  TaskView,
  UserView,
} from '@simpul/protocol';
import type { LoginRequest, TaskListQuery } from '@simpul/protocol';
import { ApiError, UNREACHABLE_TEXT } from './errors.ts';

/** What this module needs of a schema; every protocol schema fits. */
interface Schema<T> {
  safeParse(data: unknown): { success: true; data: T } | { success: false; error: { issues: readonly Issue[] } };
}
interface Issue {
  path: readonly PropertyKey[];
  message: string;
}

interface Options {
  body?: unknown;
  /** `false` for requests where a 401 means "wrong password", not "session over". */
  redirectOn401?: boolean;
  signal?: AbortSignal;
}

let redirecting = false;

/** Sends the person to the login page, remembering where they were (their form drafts stay in sessionStorage). */
export function toLogin(): void {
  if (redirecting || location.pathname === '/login') return;
  redirecting = true;
  const next = location.pathname + location.search;
  void goto(`/login?next=${encodeURIComponent(next)}`).finally(() => (redirecting = false));
}

const describe = (issues: readonly Issue[]) =>
  issues
    .slice(0, 3)
    .map((i) => `${i.path.map(String).join('.') || '(reply)'}: ${i.message}`)
    .join('; ');

async function readBody(res: Response): Promise<unknown> {
  // JSON is parsed straight from the bytes: a 4 MB result then never becomes a 4 MB string first (faster, less garbage).
  if (res.status !== 204 && res.headers.get('content-type')?.startsWith('application/json')) {
    try {
      return (await res.json()) as unknown;
    } catch {
      return undefined; // an empty or broken body: the caller's schema says what is missing
    }
  }
  const text = await res.text();
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

export async function request<T>(method: string, path: string, schema: Schema<T>, opts: Options = {}): Promise<T> {
  let res: Response;
  try {
    res = await fetch(API_PREFIX + path, {
      method,
      credentials: 'same-origin',
      headers:
        opts.body === undefined
          ? { accept: 'application/json' }
          : { accept: 'application/json', 'content-type': 'application/json' },
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      signal: opts.signal,
    });
  } catch (e) {
    if (opts.signal?.aborted) throw e;
    throw new ApiError('network', 0, UNREACHABLE_TEXT);
  }
  const data = await readBody(res);
  if (!res.ok) {
    if (res.status === 401 && opts.redirectOn401 !== false) toLogin();
    const e = ErrorBody.safeParse(data);
    if (e.success) throw new ApiError(e.data.error.code, res.status, e.data.error.message, e.data.error.details);
    throw new ApiError(
      res.status === 401 ? 'unauthorized' : 'http',
      res.status,
      `The hub answered ${res.status} ${res.statusText}.`.trim(),
    );
  }
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    throw new ApiError(
      'bad_reply',
      res.status,
      `The hub's reply to ${method} ${path} was not understood (${describe(parsed.error.issues)}).`,
    );
  }
  return parsed.data;
}

const accept = { safeParse: (data: unknown) => ({ success: true as const, data }) };

/** `GET /auth/me` answers with the user, possibly wrapped as `{ user }`. */
const Me: Schema<UserView> = {
  safeParse(data) {
    const direct = UserView.safeParse(data);
    if (direct.success) return direct;
    const wrapped =
      typeof data === 'object' && data !== null && 'user' in data ? UserView.safeParse(data.user) : direct;
    return wrapped;
  },
};

function query(q: Partial<Record<keyof TaskListQuery, string | number | undefined>>): string {
  const sp = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== '') sp.set(k, String(v));
  const s = sp.toString();
  return s ? `?${s}` : '';
}

const id = (s: string) => encodeURIComponent(s);

export const api = {
  login: (body: LoginRequest) => request('POST', '/auth/login', LoginReply, { body, redirectOn401: false }),
  logout: () => request('POST', '/auth/logout', accept, { redirectOn401: false }),
  me: () => request('GET', '/auth/me', Me),
  /** Signed in or not, always a 200: a signed-out visit leaves no 401 in the browser's console. */
  session: () => request('GET', '/auth/session', SessionReply),
  runners: () => request('GET', '/runners', RunnerList),
  tasks: (q: Partial<Record<keyof TaskListQuery, string | number | undefined>> = {}) =>
    request('GET', `/tasks${query(q)}`, TaskList),
  task: (taskId: string) => request('GET', `/tasks/${id(taskId)}`, TaskView),
  createTask: (body: unknown) => request('POST', '/tasks', TaskCreated, { body }),
  cancelTask: (taskId: string) => request('POST', `/tasks/${id(taskId)}/cancel`, CancelReply),
  /** `wait`: the hub holds the reply up to this many seconds while the task has not ended. */
  result: (taskId: string, wait = 0, signal?: AbortSignal) =>
    request('GET', `/result/${id(taskId)}${wait > 0 ? `?wait=${wait}` : ''}`, ResultView, { signal }),
};
