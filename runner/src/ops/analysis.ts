// op 300: statistics and models (runner/src/analysis/) and rounds of federated studies (runner/src/federated/).
import type { AnalysisResult, FederatedPartial } from '@simpul/protocol';
import { runAnalysis } from '../analysis/run-analysis.ts';
import { runFederatedRound } from '../federated/run-round.ts';
import type { OpContext } from './context.ts';
import { asTaskFailure, sqlSource } from './sql-source.ts';

export async function analyse(ctx: OpContext<300>): Promise<AnalysisResult | FederatedPartial> {
  const p = ctx.params;
  ctx.progress(1, `${p.analysis} on ${p.dataset}`);
  try {
    const src = await sqlSource(ctx, p.dataset, [p.where]);
    return p.analysis === 'federated_round' ? await runFederatedRound(src, p) : await runAnalysis(src, p);
  } catch (e) {
    throw asTaskFailure(e);
  }
}
