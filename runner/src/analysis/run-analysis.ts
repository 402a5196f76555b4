// op 300 dispatcher: one function per analysis, checked exhaustively against the protocol's kinds.
import type { AnalysisKind, AnalysisResult, AnalysisSpec } from '@simpul/protocol';
import { correlation } from './correlation.ts';
import { describe } from './describe.ts';
import { checkAborted } from './errors.ts';
import { groupBy } from './group-by.ts';
import { kmeans } from './kmeans.ts';
import { linearRegression } from './linear-regression.ts';
import { logisticRegression } from './logistic-regression.ts';
import type { SpecOf, SqlSource } from './types.ts';

type Runner<K extends AnalysisKind> = (src: SqlSource, spec: SpecOf<K>) => Promise<AnalysisResult>;

const ANALYSES = {
  describe,
  correlation,
  group_by: groupBy,
  linear_regression: linearRegression,
  logistic_regression: logisticRegression,
  kmeans,
} satisfies { [K in AnalysisKind]: Runner<K> };

/**
 * Runs one analysis on `src` (whose `where` is the params' filter, already compiled by the engine).
 * `params` is parsed op 300 params (or an export's `analysis`); a `dataset` field, if present, is ignored.
 */
export async function runAnalysis(src: SqlSource, params: AnalysisSpec): Promise<AnalysisResult> {
  checkAborted(src.signal);
  src.progress(0, params.analysis);
  const run = ANALYSES[params.analysis] as Runner<AnalysisKind>;
  try {
    const result = await run(src, params);
    src.progress(100, 'done');
    return result;
  } catch (e) {
    // An interrupted query fails with DuckDB's own error; the caller should see why it was interrupted.
    checkAborted(src.signal);
    throw e;
  }
}
