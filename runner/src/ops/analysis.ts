// op 300: statistics and models (runner/src/analysis/) and rounds of federated studies (runner/src/federated/).
import type { UnreleasedOf } from '../disclosure/facts.ts';
import { runAnalysis } from '../analysis/run-analysis.ts';
import { runFederatedRound } from '../federated/run-round.ts';
import type { OpContext } from './context.ts';
import { asTaskFailure, sqlSource } from './sql-source.ts';

export async function analyse(ctx: OpContext<300>): Promise<UnreleasedOf<300>> {
  const p = ctx.params;
  ctx.progress(1, `${p.analysis} on ${p.dataset}`);
  try {
    // describe's rows_used counts every row the filter selects (no row is dropped for nulls): it measures the query set.
    const selectedFromResult = p.analysis === 'describe';
    const src = await sqlSource(ctx, p.dataset, [p.where], { selectedFromResult });
    const querySet = src.querySet;
    if (p.analysis === 'federated_round') return { kind: 'partial', result: await runFederatedRound(src, p), querySet };
    const result = await runAnalysis(src, p);
    if (querySet && Number.isNaN(querySet.selected)) querySet.selected = result.rows_used;
    return { kind: 'analysis', result, querySet };
  } catch (e) {
    throw asTaskFailure(e);
  }
}
