// The link's state machine table (see link-state.test.ts): long-polling, tokens, work, the drain and the close.
import { test } from 'uvu';
import { testRows } from './link-state-fixtures.ts';
import { SESSION_ROWS } from './link-state-rows-session.ts';

testRows(SESSION_ROWS);

test.run();
