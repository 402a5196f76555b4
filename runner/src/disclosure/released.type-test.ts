// Compile-time proof that the release gate cannot be bypassed, checked by `npm run typecheck` (tsc includes this file;
// nothing here runs). Each @ts-expect-error line is a bypass that must not compile: if one ever compiles, tsc fails with
// "Unused '@ts-expect-error' directive".
import type { AnalysisResult, ResultPost, RowsResult, TaskOffer } from '@simpul/protocol';
import type { Reporter } from '../executor.ts';
import type { Handler } from '../ops/context.ts';
import type { Unreleased } from './facts.ts';
import type { Gate } from './gate.ts';
import { failedPost, succeededPost } from './outgoing.ts';

export function bypasses(
  reporter: Reporter,
  offer: TaskOffer,
  gate: Gate,
  post: ResultPost,
  analysis: AnalysisResult,
  rows: RowsResult,
  u: Unreleased,
) {
  // @ts-expect-error a post built by hand did not pass the gate
  void reporter.result(post);
  // @ts-expect-error nor did a handler's own result, wrapped as a post
  void reporter.result({
    task_id: offer.task_id,
    lease_token: offer.lease_token,
    status: 'succeeded',
    result: analysis,
  });
  // @ts-expect-error a computed analysis is not a released one
  void succeededPost(offer, analysis);
  // @ts-expect-error raw rows are not released rows
  void succeededPost(offer, rows);
  // @ts-expect-error an unreleased op result is not sendable either
  void succeededPost(offer, u.result);
  // @ts-expect-error an error message the data engine wrote may quote data: it goes through gate.failure
  void failedPost(offer, { code: 'op_failed', message: 'Conversion Error: "Zelda" is not a number' });

  // What the gate returns is what the connection takes.
  void reporter.result(succeededPost(offer, gate.analysis(analysis, undefined)));
  void reporter.result(succeededPost(offer, gate.rows(rows, undefined)));
}

// @ts-expect-error a handler returns what the gate will judge, never a plain result
export const leaky: Handler<300> = async () => ({
  analysis: 'describe',
  rows_used: 1,
  columns: [],
  charts: { histograms: [] },
});
