// The filter line of a report: the same words as the task's one-line description (describe.ts), or "none (all rows)".
import { describeFilter } from '../describe.ts';
import type { FilterExpr } from '../filter.ts';

export const filterText = (e: FilterExpr | undefined): string => (e ? describeFilter(e) : 'none (all rows)');
