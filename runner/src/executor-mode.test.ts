// The executor's mode as a table: every mode × every event.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type ExecutorMode, type ModeEvent, modeTransition } from './executor-mode.ts';

const MODES: ExecutorMode[] = ['accepting', 'grace', 'releasing', 'unwinding', 'drained'];
const EVENTS: ModeEvent[] = ['drain', 'grace-over', 'released', 'unwound'];
const VALID: [ExecutorMode, ModeEvent, ExecutorMode][] = [
  ['accepting', 'drain', 'grace'],
  ['grace', 'grace-over', 'releasing'],
  ['releasing', 'released', 'unwinding'],
  ['unwinding', 'unwound', 'drained'],
];

for (const mode of MODES) {
  for (const event of EVENTS) {
    const valid = VALID.find(([m, e]) => m === mode && e === event);
    test(`${mode}: ${event} → ${valid ? valid[2] : 'ignored'}`, () => {
      assert.is(modeTransition(mode, event), valid ? valid[2] : mode);
    });
  }
}

test('a drain goes through every stage once, in order', () => {
  let mode: ExecutorMode = 'accepting';
  const seen: ExecutorMode[] = [mode];
  for (const e of EVENTS) seen.push((mode = modeTransition(mode, e)));
  assert.equal(seen, MODES);
});

test.run();
