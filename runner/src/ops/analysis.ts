// op 300: statistics and models. Not implemented on this runner yet; the handler table needs an entry for every op.
import { TaskFailure } from '../errors.ts';
import type { OpContext } from './context.ts';

export async function analyse(ctx: OpContext<300>): Promise<never> {
  ctx.engine.dataset(ctx.params.dataset); // a missing dataset is still reported as such
  // TODO: describe, correlation, group_by, regressions and kmeans (the operations issue).
  throw new TaskFailure('op_failed', 'operation 300 is not available on this runner yet');
}
