// op 400: files of data or analyses, through the blob store. Not implemented on this runner yet.
import { TaskFailure } from '../errors.ts';
import type { OpContext } from './context.ts';

export async function exportData(ctx: OpContext<400>): Promise<never> {
  ctx.engine.dataset(ctx.params.dataset);
  // TODO: csv, parquet, json, xlsx and pdf exports uploaded to the blob store (the operations issue).
  throw new TaskFailure('op_failed', 'operation 400 is not available on this runner yet');
}
