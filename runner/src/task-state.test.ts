// A task's state machine as a table: every phase × every event, the valid transitions with their next state and
// effects, and the rest ignored (same state, no effects). Then the timeout, the one timer a state owns.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type TaskRun, syncTaskTimer } from './task-run.ts';
import {
  type TaskEffect,
  type TaskEvent,
  type TaskEventType,
  type TaskPhase,
  type TaskState,
  heldTask,
  queuedTask,
  taskTimers,
  taskTransition,
} from './task-state.ts';
import type { StopReason } from './task-run.ts';

type Stop = StopReason | null;
const queued = (stop: Stop = null): TaskState => ({ phase: 'queued', stop });
const running = (stop: Stop = null, timing = true): TaskState => ({ phase: 'running', stop, timing, timeoutS: 60 });
const held = (stop: Stop = null): TaskState => ({ phase: 'held', stop });
const reporting = (stop: Stop = null): TaskState => ({ phase: 'reporting', stop });
const DONE: TaskState = { phase: 'done' };

const stop = (reason: StopReason): TaskEvent => ({ type: 'stop', reason, message: `${reason}!` });
const abort = (reason: StopReason, message = `${reason}!`): TaskEffect => ({ kind: 'abort', reason, message });
const SAMPLE: Record<TaskEventType, TaskEvent> = {
  start: { type: 'start', timeoutS: 60 },
  stop: stop('cancel'),
  timeout: { type: 'timeout', message: 'too long' },
  ran: { type: 'ran' },
  hold: { type: 'hold' },
  report: { type: 'report' },
  delivered: { type: 'delivered' },
};
const EVENTS = Object.keys(SAMPLE) as TaskEventType[];
const PHASES: TaskPhase[] = ['queued', 'running', 'held', 'reporting', 'done'];

type Row = [name: string, from: TaskState, event: TaskEvent, to: TaskState, effects: TaskEffect[]];
const ABANDON: TaskEffect[] = [{ kind: 'abandon' }, { kind: 'finish' }, { kind: 'slot-freed' }];

const VALID: Row[] = [
  // A slot: run it (a canceled task runs too, and reports itself canceled at once).
  ['queued: start', queued(), SAMPLE.start, running(), [{ kind: 'run' }]],
  ['queued (canceled): start', queued('cancel'), SAMPLE.start, running('cancel'), [{ kind: 'run' }]],
  // Stops: a drop or shutdown outranks a cancel (or a timeout), never the other way; a queued task dropped is forgotten.
  ['queued: cancel', queued(), stop('cancel'), queued('cancel'), [abort('cancel')]],
  ['queued: drop', queued(), stop('drop'), DONE, [abort('drop'), { kind: 'finish' }]],
  ['queued: shutdown', queued(), stop('shutdown'), DONE, [abort('shutdown'), { kind: 'finish' }]],
  ['queued (canceled): drop', queued('cancel'), stop('drop'), DONE, [abort('drop'), { kind: 'finish' }]],
  ['running: cancel', running(), stop('cancel'), running('cancel'), [abort('cancel')]],
  ['running: drop', running(), stop('drop'), running('drop'), [abort('drop')]],
  ['running: shutdown', running(), stop('shutdown'), running('shutdown'), [abort('shutdown')]],
  ['running (canceled): cancel again', running('cancel'), stop('cancel'), running('cancel'), [abort('cancel')]],
  ['running (canceled): drop outranks it', running('cancel'), stop('drop'), running('drop'), [abort('drop')]],
  ['running (dropped): cancel', running('drop'), stop('cancel'), running('drop'), []],
  ['running (dropped): shutdown', running('drop'), stop('shutdown'), running('drop'), []],
  ['running (timed out): cancel', running('timeout', false), stop('cancel'), running('timeout', false), []],
  ['held: cancel (the owner is not asked any more)', held(), stop('cancel'), held('cancel'), [abort('cancel')]],
  ['held: shutdown', held(), stop('shutdown'), held('shutdown'), [abort('shutdown')]],
  ['reporting: cancel comes too late', reporting(), stop('cancel'), reporting(), []],
  ['reporting: drop', reporting(), stop('drop'), reporting('drop'), [abort('drop')]],
  ['reporting: shutdown', reporting('cancel'), stop('shutdown'), reporting('shutdown'), [abort('shutdown')]],
  // The timeout counts while the op runs.
  [
    'running: timeout (it fires once)',
    running(),
    SAMPLE.timeout,
    running('timeout', false),
    [abort('timeout', 'too long')],
  ],
  [
    'running (canceled): timeout outranks a cancel',
    running('cancel'),
    SAMPLE.timeout,
    running('timeout', false),
    [abort('timeout', 'too long')],
  ],
  [
    'running (dropped): timeout changes nothing but is over',
    running('drop'),
    SAMPLE.timeout,
    running('drop', false),
    [],
  ],
  ['running, op over: timeout', running(null, false), SAMPLE.timeout, running(null, false), []],
  ['running: the op is over', running(), SAMPLE.ran, running(null, false), []],
  ['running, op over: ran again', running(null, false), SAMPLE.ran, running(null, false), []],
  // Held for review: the slot is free a turn later; the timeout no longer counts.
  ['running: hold', running(), SAMPLE.hold, held(), [{ kind: 'slot-freed-soon' }]],
  ['running (canceled): hold', running('cancel', false), SAMPLE.hold, held('cancel'), [{ kind: 'slot-freed-soon' }]],
  // A result: delivered with the slot freed a turn later, or (dropped, abandoned) only audited.
  [
    'running: report',
    running(null, false),
    SAMPLE.report,
    reporting(),
    [{ kind: 'deliver' }, { kind: 'slot-freed-soon' }],
  ],
  [
    'running (canceled): report',
    running('cancel', false),
    SAMPLE.report,
    reporting('cancel'),
    [{ kind: 'deliver' }, { kind: 'slot-freed-soon' }],
  ],
  [
    'running (timed out): report',
    running('timeout', false),
    SAMPLE.report,
    reporting('timeout'),
    [{ kind: 'deliver' }, { kind: 'slot-freed-soon' }],
  ],
  ['running (dropped): report abandons', running('drop', false), SAMPLE.report, DONE, ABANDON],
  ['running (shutdown): report abandons', running('shutdown'), SAMPLE.report, DONE, ABANDON],
  ['held: report (its slot was freed already)', held(), SAMPLE.report, reporting(), [{ kind: 'deliver' }]],
  ['held (shutdown): report abandons', held('shutdown'), SAMPLE.report, DONE, ABANDON],
  ['reporting: delivered', reporting(), SAMPLE.delivered, DONE, [{ kind: 'finish' }]],
  ['reporting (dropped): delivered', reporting('drop'), SAMPLE.delivered, DONE, [{ kind: 'finish' }]],
];

/** Everything else is ignored: same state, no effects. */
const IGNORED: [TaskState, TaskEventType[]][] = [
  [queued(), ['timeout', 'ran', 'hold', 'report', 'delivered']],
  [queued('drop'), ['start']], // a dropped task waiting for its turn never runs (it is forgotten as it is dropped)
  [running(), ['start', 'delivered']],
  [held(), ['start', 'timeout', 'ran', 'hold', 'delivered']],
  [reporting(), ['start', 'timeout', 'ran', 'hold', 'report']],
  [DONE, EVENTS],
];
const INVALID: Row[] = IGNORED.flatMap(([from, events]) =>
  events.map((e): Row => [`${from.phase}: ${e} ignored`, from, SAMPLE[e], from, []]),
);
INVALID.push(['done: drop ignored', DONE, stop('drop'), DONE, []]);

for (const [name, from, event, to, effects] of [...VALID, ...INVALID]) {
  test(name, () => {
    const frozen = structuredClone(from);
    const step = taskTransition(from, event);
    assert.equal(step.state, to);
    assert.equal(step.effects, effects);
    assert.equal(from, frozen, 'the transition does not change the state it was given');
  });
}

test('the table covers every phase × event', () => {
  const seen = new Set([...VALID, ...INVALID].map(([, from, event]) => `${from.phase} ${event.type}`));
  assert.equal(
    PHASES.flatMap((p) => EVENTS.map((e) => `${p} ${e}`)).filter((k) => !seen.has(k)),
    [],
  );
});

test('a task starts queued, or held when its result waits from the last run', () => {
  assert.equal(queuedTask(), queued());
  assert.equal(heldTask(), held());
});

test('the timeout belongs to running while the op runs; every way out of it clears it', () => {
  assert.equal(taskTimers(running()), [
    { key: 'timeout', fires: { type: 'timeout', message: 'the task ran longer than its timeout of 60 s' }, ms: 60_000 },
  ]);
  for (const s of [queued(), running(null, false), held(), reporting(), DONE]) assert.equal(taskTimers(s), [], s.phase);
  for (const e of [SAMPLE.timeout, SAMPLE.ran, SAMPLE.hold, stop('drop'), stop('cancel')]) {
    const next = taskTransition(running(), e).state;
    const expected = e.type === 'stop' ? 1 : 0; // a stop alone leaves the op running (it ends when the op sees its signal)
    assert.is(taskTimers(next).length, expected, e.type);
  }
  assert.equal(taskTimers(taskTransition(running(), SAMPLE.report).state), []);
});

test('syncTaskTimer arms the timeout on entering running, fires it once, clears it on leaving', async () => {
  const fired: TaskEvent[] = [];
  const t = { state: { ...running(), timeoutS: 0.01 }, timer: null } as unknown as TaskRun;
  syncTaskTimer(t, (e) => fired.push(e));
  assert.is(t.timer?.key, 'timeout');
  const first = t.timer;
  syncTaskTimer(t, (e) => fired.push(e));
  assert.is(t.timer, first, 'still owned: not armed again');
  await new Promise((r) => setTimeout(r, 40));
  assert.is(fired.length, 1);
  assert.is(t.timer, null);

  const u = { state: running(), timer: null } as unknown as TaskRun;
  syncTaskTimer(u, (e) => fired.push(e));
  assert.ok(u.timer);
  u.state = taskTransition(u.state, SAMPLE.hold).state;
  syncTaskTimer(u, (e) => fired.push(e));
  assert.is(u.timer, null, 'held: the timeout is cleared');
});

test.run();
