// Federated rounds on one site: one function per step, checked exhaustively against the protocol's steps.
import type { FederatedPartial, FederatedRoundParams, FederatedStep, RoundParamsOf } from '@simpul/protocol';
import { checkAborted } from '../analysis/errors.ts';
import type { SqlSource } from '../analysis/types.ts';
import { crossprod } from './crossprod.ts';
import { groups } from './groups.ts';
import { histogram } from './histogram.ts';
import { moments, range } from './moments.ts';
import { newton } from './newton.ts';

type Step<S extends FederatedStep> = (src: SqlSource, params: RoundParamsOf<S>) => Promise<FederatedPartial>;

const STEPS = { moments, range, histogram, groups, crossprod, newton } satisfies { [S in FederatedStep]: Step<S> };

/**
 * Runs one round of a study on `src` (whose `where` is the params' filter, already compiled by the engine) and returns
 * its partial: aggregates only, with anything computed from fewer than `src.minGroupSize` rows suppressed.
 */
export async function runFederatedRound(src: SqlSource, params: FederatedRoundParams): Promise<FederatedPartial> {
  checkAborted(src.signal);
  src.progress(0, `${params.step} (round ${params.round})`);
  const run = STEPS[params.step] as Step<FederatedStep>;
  try {
    const partial = await run(src, params);
    src.progress(100, 'done');
    return partial;
  } catch (e) {
    // An interrupted query fails with DuckDB's own error; the caller should see why it was interrupted.
    checkAborted(src.signal);
    throw e;
  }
}
