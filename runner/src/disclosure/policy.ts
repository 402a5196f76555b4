// The data owner's release rules for one dataset, resolved once with their defaults (a dataset without a policy has none).
import { type DatasetPolicy, type DominanceRule, type OpCode, durationSeconds } from '@simpul/protocol';
import { minGroupSize } from '../policy/group-size.ts';

export const DEFAULT_ROUND_BASE = 5;
export const DEFAULT_REVIEW_TTL_S = 7 * 86_400;

export interface GatePolicy {
  k: number; // min_group_size, 5 unless the policy says otherwise
  counts: 'exact' | 'round' | 'cell_key';
  roundBase: number;
  dominance?: DominanceRule;
  maxRows?: number; // raw rows per task
  maxRowsPerDay?: number; // raw rows per analyst per rolling 24 h
  rawRows: boolean; // whether raw rows may leave at all (op 100 or 200 allowed): op 400 of data needs it
  review: ReadonlySet<OpCode>; // ops whose results wait for the data owner
  reviewTtlS: number;
}

/** null when the dataset has no policy: then no rule applies and results leave as the ops computed them. */
export function gatePolicy(policy: DatasetPolicy | undefined): GatePolicy | null {
  if (!policy) return null;
  const release = policy.release ?? 'auto';
  const review = new Set<OpCode>(
    release === 'auto' ? [] : release === 'review' ? [100, 200, 300, 400] : release.review,
  );
  return {
    k: minGroupSize(policy) ?? 1,
    counts: policy.counts ?? 'exact',
    roundBase: policy.round_base ?? DEFAULT_ROUND_BASE,
    ...(policy.dominance ? { dominance: policy.dominance } : {}),
    ...(policy.max_rows !== undefined ? { maxRows: policy.max_rows } : {}),
    ...(policy.max_rows_per_day !== undefined ? { maxRowsPerDay: policy.max_rows_per_day } : {}),
    rawRows: !policy.allow_ops || policy.allow_ops.some((op) => op === 100 || op === 200),
    review,
    reviewTtlS: policy.review_ttl === undefined ? DEFAULT_REVIEW_TTL_S : durationSeconds(policy.review_ttl),
  };
}
