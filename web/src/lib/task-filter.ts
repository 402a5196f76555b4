// The Tasks list's search and filters: read from and written to the page URL (so a filtered list can be shared and
// reloaded), sent to the hub's GET /tasks, and applied the same way to tasks that arrive live.
import { OpCode, TaskState, type StudySummary, type TaskView } from '@simpul/protocol';

export interface TaskFilter {
  q: string; // words in the name, description or id
  status: TaskState | '';
  op: OpCode | '';
  dataset: string;
  runner: string; // runner id
}

/** The URL's search parameter for each filter field. */
export const FILTER_KEYS = ['q', 'status', 'op', 'dataset', 'runner'] as const satisfies readonly (keyof TaskFilter)[];

export function filterFromUrl(sp: URLSearchParams): TaskFilter {
  return {
    q: (sp.get('q') ?? '').slice(0, 200),
    status: TaskState.safeParse(sp.get('status')).data ?? '',
    op: OpCode.safeParse(Number(sp.get('op'))).data ?? '',
    dataset: sp.get('dataset') ?? '',
    runner: sp.get('runner') ?? '',
  };
}

/** The URL with `key` set to `value` (removed when empty); other parameters kept. */
export function withFilter(url: URL, key: keyof TaskFilter, value: string): URL {
  const next = new URL(url);
  if (value.trim()) next.searchParams.set(key, value);
  else next.searchParams.delete(key);
  return next;
}

export const isFiltered = (f: TaskFilter) => FILTER_KEYS.some((k) => f[k] !== '');

/** The query of GET /tasks for the filter: the rounds of studies are listed under their study, not here. */
export const hubQuery = (f: TaskFilter, limit: number) => ({
  q: f.q.trim() || undefined,
  status: f.status || undefined,
  op: f.op || undefined,
  dataset: f.dataset || undefined,
  runner_id: f.runner || undefined,
  rounds: 'exclude',
  limit,
});

/** Lower-case words of a search, as the hub splits them (at most 8). */
export const searchWords = (q: string) => q.toLowerCase().split(/\s+/).filter(Boolean).slice(0, 8);

const hasWords = (words: string[], ...texts: (string | null)[]) => {
  const hay = texts.map((t) => (t ?? '').toLowerCase());
  return words.every((w) => hay.some((h) => h.includes(w)));
};

/** Whether a (standalone) task belongs in the filtered list: the hub's rules, for tasks that arrive live. */
export function taskMatches(t: TaskView, f: TaskFilter): boolean {
  if (t.study_id !== null) return false;
  if (f.status && t.status !== f.status) return false;
  if (f.op && t.op !== f.op) return false;
  if (f.dataset && t.dataset !== f.dataset) return false;
  if (f.runner && t.runner_id !== f.runner && t.target_runner_id !== f.runner) return false;
  return hasWords(searchWords(f.q), t.name, t.description, t.task_id);
}

/**
 * Whether a study belongs in the filtered Tasks list (as one folded row of its rounds): studies are analyses (op 300) of
 * several runners, so an op other than 300 or a runner filter leaves them out.
 */
export function studyMatches(s: StudySummary, f: TaskFilter): boolean {
  if (f.op && f.op !== 300) return false;
  if (f.runner) return false;
  if (f.status && s.status !== f.status) return false;
  if (f.dataset && s.dataset !== f.dataset) return false;
  return hasWords(searchWords(f.q), s.description, s.study_id);
}

/** One row of the Tasks list: a task, or a study with its rounds folded under it. */
export type ListEntry = { kind: 'task'; task: TaskView } | { kind: 'study'; study: StudySummary };

/** Tasks and studies newest first. */
export function listEntries(tasks: TaskView[], studies: StudySummary[]): ListEntry[] {
  const entries: ListEntry[] = [
    ...tasks.map((task) => ({ kind: 'task' as const, task })),
    ...studies.map((study) => ({ kind: 'study' as const, study })),
  ];
  const at = (e: ListEntry) => (e.kind === 'task' ? e.task.created_at : e.study.created_at);
  return entries.sort((a, b) => (at(a) < at(b) ? 1 : at(a) > at(b) ? -1 : 0));
}
