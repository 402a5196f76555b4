// Fixtures for the executor's tests: a real engine, a recording hub (the real hub is exercised by the end-to-end tests),
// a handler that runs for minutes unless interrupted, and offers numbered per test file.
import type { OpCode, ProgressReply, ResultPost, ResultReply, TaskOffer, TaskProgress } from '@simpul/protocol';
import type { test } from 'uvu';
import type { Engine } from './engine/engine.ts';
import { datasetConfig, openEngine, SEATTLE_CSV } from './engine/test-data.ts';
import { HubError, NetworkError } from './errors.ts';
import { Executor, type Reporter } from './executor.ts';
import { silentLogger } from './log.ts';
import { handlers as realHandlers, type Handler } from './ops/index.ts';

export class RecordingHub implements Reporter {
  progressSeen: TaskProgress[] = [];
  results: ResultPost[] = [];
  resultCalls = 0;
  failNextResults = 0; // network failures before the hub "answers"
  stale = new Set<string>();
  tooLarge = new Set<string>();
  cancelOnProgress = new Set<string>();

  async progress(msg: TaskProgress): Promise<ProgressReply> {
    this.progressSeen.push(msg);
    return { ok: true, canceled: this.cancelOnProgress.has(msg.task_id), lease_expires_at: new Date().toISOString() };
  }

  async result(msg: ResultPost): Promise<ResultReply> {
    this.resultCalls++;
    if (this.failNextResults > 0) {
      this.failNextResults--;
      throw new NetworkError('connection refused');
    }
    if (this.stale.has(msg.task_id)) throw new HubError(409, 'stale_lease', 'not your lease any more');
    if (this.tooLarge.has(msg.task_id) && msg.status === 'succeeded')
      throw new HubError(413, 'payload_too_large', 'the body is larger than 1000 bytes');
    this.results.push(msg);
    return { ok: true, stored: true };
  }

  resultOf(id: string): ResultPost | undefined {
    return this.results.find((r) => r.task_id === id);
  }
}

// A query that runs for minutes unless interrupted; it keeps DuckDB's threads busy, not the event loop.
const HEAVY = 'SELECT sum(hash(i)) FROM range(100000000000) t(i)';
const heavy: Handler<200> = async (ctx) => {
  ctx.progress(10, 'crunching');
  const r = await ctx.db.query(HEAVY);
  return { kind: 'rows', op: 200, result: { columns: r.columns, rows: r.rows, total_rows: r.rows.length, offset: 0 } };
};
export const HEAVY_PARAMS = { dataset: 'weather', where: { and: [] } };
export const handlers = { ...realHandlers, 200: heavy } as { [C in OpCode]: Handler<C> };

let engine: Engine | undefined;
let n = 0;

/** Opens the engine (datasets `weather`, and `locked` that allows op 200 only) before a file's tests, closes it after. */
export function useEngine(suite: typeof test): void {
  suite.before(async () => {
    engine = await openEngine([
      datasetConfig('weather', SEATTLE_CSV),
      datasetConfig('locked', SEATTLE_CSV, { policy: { allow_ops: [200] } }),
    ]);
  });
  suite.after(() => engine?.close());
}

export function testEngine(): Engine {
  if (!engine) throw new Error('useEngine(test) opens the engine before the tests');
  return engine;
}

export function offer(op: OpCode, params: Record<string, unknown>, extra: Partial<TaskOffer> = {}): TaskOffer {
  n++;
  return {
    task_id: `t${n}`,
    op,
    params,
    attempt: 1,
    lease_token: `lease${n}`,
    lease_expires_at: new Date().toISOString(),
    timeout_s: 600,
    ...extra,
  };
}

export function setup(concurrency = 2) {
  const hub = new RecordingHub();
  const ex = new Executor({ concurrency, engine: testEngine(), reporter: hub, log: silentLogger, handlers });
  return { hub, ex };
}

export async function until(what: string, cond: () => boolean, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
