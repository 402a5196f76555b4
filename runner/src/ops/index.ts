// The handler for each op code; a new op in the protocol that is not handled here fails to compile.
import type { OpCode } from '@simpul/protocol';
import { analyse } from './analysis.ts';
import type { Handler } from './context.ts';
import { exportData } from './export.ts';
import { fetchRows } from './fetch.ts';
import { filterRows } from './filter.ts';

export type { Handler, OpContext } from './context.ts';

export const handlers = {
  100: fetchRows,
  200: filterRows,
  300: analyse,
  400: exportData,
} satisfies { [C in OpCode]: Handler<C> };
