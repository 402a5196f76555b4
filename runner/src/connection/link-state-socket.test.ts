// The link's state machine table (see link-state.test.ts): the socket, its retries and moving to the next hub.
import { test } from 'uvu';
import { testRows } from './link-state-fixtures.ts';
import { SOCKET_ROWS } from './link-state-rows-socket.ts';

testRows(SOCKET_ROWS);

test.run();
