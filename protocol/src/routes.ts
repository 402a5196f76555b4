// Every HTTP route of the hub's API, in one table, so that docs and clients cannot drift from the server.
export const API_PREFIX = '/api/v1';

export type Caller = 'public' | 'runner' | 'user' | 'admin';

export interface RouteSpec {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string; // Hono style, `:param`
  caller: Caller | Caller[];
  summary: string;
}

export const ROUTES = {
  register: { method: 'POST', path: '/api/v1/register', caller: 'public', summary: 'Runner enrolment with an enrolment key' },
  ping: { method: 'POST', path: '/api/v1/ping', caller: 'runner', summary: 'Runner heartbeat; renews leases; lists cancels and drops' },
  claim: { method: 'GET', path: '/api/v1/tasks', caller: ['runner', 'user'], summary: 'Runner token: claim tasks (long-poll with wait). User: list tasks' },
  progress: { method: 'POST', path: '/api/v1/progress', caller: 'runner', summary: 'Runner reports progress; first report marks running' },
  release: { method: 'POST', path: '/api/v1/release', caller: 'runner', summary: 'Runner hands a leased task back to the queue (fenced by lease token)' },
  result: { method: 'POST', path: '/api/v1/result', caller: 'runner', summary: 'Runner posts a final result (fenced by lease token)' },
  getResult: { method: 'GET', path: '/api/v1/result/:task_id', caller: 'user', summary: 'Status, progress and result of a task' },
  login: { method: 'POST', path: '/api/v1/auth/login', caller: 'public', summary: 'Log in; returns a bearer token and sets a session cookie' },
  logout: { method: 'POST', path: '/api/v1/auth/logout', caller: 'user', summary: 'End the session' },
  me: { method: 'GET', path: '/api/v1/auth/me', caller: 'user', summary: 'Who am I' },
  runners: { method: 'GET', path: '/api/v1/runners', caller: 'user', summary: 'Runners with status and advertised datasets' },
  runner: { method: 'GET', path: '/api/v1/runners/:runner_id', caller: 'user', summary: 'One runner' },
  createTask: { method: 'POST', path: '/api/v1/tasks', caller: 'user', summary: 'Create a task, or a batch (array body)' },
  getTask: { method: 'GET', path: '/api/v1/tasks/:task_id', caller: 'user', summary: 'One task with its attempts' },
  cancelTask: { method: 'POST', path: '/api/v1/tasks/:task_id/cancel', caller: 'user', summary: 'Cancel a task' },
} as const satisfies Record<string, RouteSpec>;
