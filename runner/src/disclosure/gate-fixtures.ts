// Helpers for the release gate's tests (gate*.test.ts): a gate for the `staff` dataset, a k = 5 policy, a whole-table
// query set, and an assertion that a result is refused by policy.
import type { DatasetPolicy } from '@simpul/protocol';
import * as assert from 'uvu/assert';
import { TaskFailure } from '../errors.ts';
import type { QuerySet } from './facts.ts';
import { Gate } from './gate.ts';

export const gate = (
  policy: DatasetPolicy | undefined,
  op: 100 | 200 | 300 | 400 = 300,
  extra: Partial<ConstructorParameters<typeof Gate>[1]> = {},
) => new Gate(policy, { dataset: 'staff', op, ...extra });
export const K5: DatasetPolicy = { min_group_size: 5 };
export const all = (n: number): QuerySet => ({ filtered: false, selected: n, total: n });

export function refused(f: () => unknown, pattern: RegExp): string {
  try {
    f();
  } catch (e) {
    assert.instance(e, TaskFailure);
    assert.is((e as TaskFailure).code, 'policy_denied');
    assert.match((e as TaskFailure).message, pattern);
    return (e as TaskFailure).message;
  }
  assert.unreachable('refused');
  return '';
}
