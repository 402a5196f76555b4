import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TaskCreate } from '@simpul/protocol';
import type { ColumnInfo, TaskView } from '@simpul/protocol';
import { newCondition, newGroup } from './filter-model.ts';
import type { CondNode } from './filter-model.ts';
import { buildTask, draftFromTask, emptyDraft, READY_OPS, rerunBody, restoreDraft } from './task-form.ts';
import { OP_CODES } from '@simpul/protocol';

const columns: ColumnInfo[] = [
  { name: 'temp_max', type: 'DOUBLE', kind: 'number' },
  { name: 'weather', type: 'VARCHAR', kind: 'string' },
  { name: 'date', type: 'DATE', kind: 'date' },
];
const cond = (column: string, op: CondNode['op'], value = ''): CondNode => ({ ...newCondition(column), op, value });

test('a complete op 200 draft builds a request that TaskCreate accepts, sent as shown', () => {
  const d = emptyDraft();
  d.target = 'r_1/weather';
  d.filter = newGroup('and', [cond('temp_max', '>', '25'), cond('weather', '=', 'sun')]);
  d.columns = ['date', 'temp_max'];
  d.order_by = [{ column: 'date', direction: 'desc' }];
  d.limit = 50;
  const built = buildTask(d, columns);
  assert.equal(built.errors, {});
  assert.ok(built.task);
  assert.equal(built.body, {
    op: 200,
    params: {
      dataset: 'weather',
      where: {
        and: [
          { column: 'temp_max', op: '>', value: 25 },
          { column: 'weather', op: '=', value: 'sun' },
        ],
      },
      columns: ['date', 'temp_max'],
      order_by: [{ column: 'date', direction: 'desc' }],
      limit: 50,
      offset: 0,
    },
    runner_id: 'r_1',
  });
  assert.ok(TaskCreate.safeParse(built.body).success);
});

test('"any runner" sends no runner_id', () => {
  const d = emptyDraft();
  d.op = 100;
  d.target = '*/weather';
  const built = buildTask(d, columns);
  assert.equal(built.errors, {});
  assert.is(built.body.runner_id, undefined);
  assert.equal(built.body.params, { dataset: 'weather', limit: 100, offset: 0 });
});

test('problems land beside their fields, and nothing is ready to send', () => {
  const d = emptyDraft();
  const bad = cond('temp_max', '>=', 'warm');
  d.filter = newGroup('and', [bad]);
  d.limit = 0;
  d.columns = ['nope'];
  const built = buildTask(d, columns);
  assert.is(built.task, null);
  assert.is(built.errors.target, 'Pick a dataset');
  assert.match(built.errors[`${bad.id}.value`], 'not a number');
  assert.ok(built.errors.limit, 'limit 0 is refused by the schema');
  assert.match(built.errors.columns, 'nope');
});

test('schema limits the builder does not know about still come back to the field', () => {
  const d = emptyDraft();
  d.target = '*/weather';
  d.filter = newGroup('and', [cond('weather', '=', 'x'.repeat(10_001))]);
  const c = d.filter.children[0] as CondNode;
  const built = buildTask(d, columns);
  assert.is(built.task, null);
  assert.ok(built.errors[`${c.id}.value`], 'the too-long value is flagged on its input');
});

const view = (over: Partial<TaskView>): TaskView => ({
  task_id: 't1',
  op: 200,
  params: {},
  name: null,
  description: '',
  study_id: null,
  dataset: 'weather',
  target_runner_id: null,
  runner_id: 'r_2',
  status: 'succeeded',
  attempt: 1,
  max_attempts: 3,
  timeout_s: 60,
  progress: 100,
  progress_message: null,
  created_by: 'admin',
  created_at: '2026-01-01T00:00:00.000Z',
  updated_at: '2026-01-01T00:00:01.000Z',
  started_at: null,
  finished_at: null,
  error: null,
  ...over,
});

test('an optional name: sent trimmed when typed, left out when empty, a bad one flagged on its field, kept by "edit and run again"', () => {
  const d = emptyDraft();
  d.target = '*/weather';
  d.op = 100;
  assert.not.ok('name' in buildTask(d, columns).body);
  d.name = '  Wet days ';
  const built = buildTask(d, columns);
  assert.is(built.task?.name, 'Wet days');
  d.name = 'x'.repeat(121);
  assert.ok(buildTask(d, columns).errors.name);
  assert.is(draftFromTask(view({ name: 'Wet days' })).name, 'Wet days');
  assert.is(rerunBody(view({ name: 'Wet days' })).name, 'Wet days');
  assert.not.ok('name' in rerunBody(view({})));
});

test('a task becomes an editable draft that builds the same request again', () => {
  const params = {
    dataset: 'weather',
    where: {
      or: [
        { column: 'temp_max', op: 'between', value: [10, 20] },
        { column: 'weather', op: 'in', value: ['rain', 'fog'] },
      ],
    },
    columns: ['date'],
    limit: 10,
    offset: 5,
  };
  const t = view({ params, target_runner_id: 'r_9' });
  const rebuilt = buildTask(draftFromTask(t), columns);
  assert.equal(rebuilt.errors, {});
  assert.equal(rebuilt.body.params, params);
  assert.is(rebuilt.body.runner_id, 'r_9');
  assert.equal(rerunBody(t), { op: 200, params, timeout_s: 60, max_attempts: 3, runner_id: 'r_9' });
});

test('a stored draft is restored field by field, and junk is refused', () => {
  const d = emptyDraft();
  d.target = '*/weather';
  d.filter = newGroup('or', [cond('weather', 'contains', 'sun'), newGroup('and', [cond('temp_max', '<', '3')])]);
  const back = restoreDraft(JSON.parse(JSON.stringify(d)));
  assert.equal(back, d);
  assert.is(restoreDraft('nonsense'), null);
  const odd = restoreDraft({
    op: 999,
    filter: { kind: 'group', children: [{ kind: 'cond', op: 'DROP TABLE' }] },
    limit: 'x',
  });
  assert.ok(odd);
  assert.is(odd.op, 200);
  assert.is(odd.limit, null);
  assert.is((odd.filter.children[0] as CondNode).op, '');
});

test('a stored draft is one safeParse: bad items are dropped, deep filter nodes too, and the op may be a number as text', () => {
  let deep: Record<string, unknown> = {
    kind: 'cond',
    id: 'leaf',
    column: 'weather',
    op: '=',
    value: 'sun',
    value2: '',
  };
  for (let i = 0; i < 20; i++) deep = { kind: 'group', id: `g${i}`, mode: 'and', negate: false, children: [deep] };
  const d = restoreDraft({
    op: '300',
    order_by: [null, { column: 'date', direction: 'up' }],
    filter: deep,
    analysis: 'x',
  });
  assert.ok(d);
  assert.is(d.op, 300);
  assert.equal(d.order_by, [{ column: 'date', direction: 'asc' }]);
  let depth = 0;
  for (let n = d.filter; n.children[0]?.kind === 'group'; n = n.children[0]) depth++;
  assert.is(depth, 16, 'nodes below depth 16 are dropped');
  assert.equal({ ...d.analysis }, { ...emptyDraft().analysis }, 'an analysis that is not an object is the default');
  assert.equal(READY_OPS, [...OP_CODES], 'every protocol op has a form');
});

test.run();
