// The owner's min_group_size (k): the default once any policy is set, so that a policy never forgets small cells.
import type { DatasetPolicy } from '@simpul/protocol';

/** DataSHIELD's nfilter.tab idea: no aggregate cell from fewer rows than this leaves the runner. */
export const DEFAULT_MIN_GROUP_SIZE = 5;

/** k for analyses of a dataset: the policy's own, 5 when a policy says nothing about it, none without a policy. */
export function minGroupSize(policy: DatasetPolicy | undefined): number | undefined {
  return policy ? (policy.min_group_size ?? DEFAULT_MIN_GROUP_SIZE) : undefined;
}
