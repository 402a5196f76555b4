// The link's state machine table (see link-state.test.ts): starting, heartbeats and ping replies.
import { test } from 'uvu';
import { testRows } from './link-state-fixtures.ts';
import { BEAT_ROWS } from './link-state-rows-beats.ts';

testRows(BEAT_ROWS);

test.run();
