// What every federated partial starts with, and the data owner's minimum group size applied to one count.
import type { FederatedStep } from '@simpul/protocol';

/** The fields that tie a partial to its study, round and step. */
export const envelope = <S extends FederatedStep>(p: { step: S; study_id: string; round: number }, rows: number) => ({
  analysis: 'federated_round' as const,
  step: p.step,
  study_id: p.study_id,
  round: p.round,
  rows,
});

/** A count from fewer than k rows (but not none: 0 reveals nobody) must not leave the site. */
export const tooFew = (n: number, k: number | undefined): boolean => k !== undefined && k > 0 && n > 0 && n < k;
