// The last few warnings and errors the runner logged, for the status file.
import type { LogFields } from '../log.ts';
import type { Problem } from './file.ts';

const KEEP = 10;

function text(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v instanceof Error) return v.message;
  try {
    return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x)) ?? String(v);
  } catch {
    return String(v);
  }
}

export class RecentProblems {
  private readonly items: Problem[] = [];
  /** Bumped on every new problem, so that the status writer knows to rewrite. */
  version = 0;

  readonly add = (level: 'warn' | 'error', msg: string, fields: LogFields): void => {
    const detail = fields.error ?? fields.reason ?? fields.err;
    const problem: Problem = { time: new Date().toISOString(), level, msg };
    if (detail !== undefined) problem.detail = text(detail).slice(0, 500);
    if (typeof fields.task_id === 'string') problem.task_id = fields.task_id;
    this.items.push(problem);
    if (this.items.length > KEEP) this.items.shift();
    this.version++;
  };

  list(): Problem[] {
    return [...this.items];
  }
}
