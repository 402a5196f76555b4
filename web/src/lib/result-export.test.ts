import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TaskCreate, type TaskView } from '@simpul/protocol';
import { EXPORT_CHOICES, exportRequest, studyExportUrl } from './result-export.ts';

const task = (op: 200 | 300, params: Record<string, unknown>) =>
  ({ task_id: 'tsk_1', op, params, timeout_s: 600, max_attempts: 3, target_runner_id: 'rnr_1' }) as unknown as TaskView;

test('an analysis exports as the same analysis on the same rows, naming the task it came from', () => {
  const where = { column: 'age', op: '>', value: 40 };
  const body = exportRequest(
    task(300, { dataset: 'patients', where, analysis: 'linear_regression', target: 'bp', features: ['age'] }),
    'xlsx',
  );
  assert.equal(body, {
    op: 400,
    params: {
      dataset: 'patients',
      format: 'xlsx',
      source_task_id: 'tsk_1',
      where,
      analysis: { analysis: 'linear_regression', target: 'bp', features: ['age'] },
    },
    timeout_s: 600,
    max_attempts: 3,
    runner_id: 'rnr_1',
  });
  assert.ok(TaskCreate.safeParse(body).success);
});

test('rows export as all matching rows of the chosen columns (no limit, no page)', () => {
  const where = { column: 'age', op: '>=', value: 80 };
  const body = exportRequest(
    task(200, { dataset: 'patients', where, columns: ['age'], limit: 50, offset: 100 }),
    'pdf',
  );
  assert.equal(body.params, { dataset: 'patients', format: 'pdf', source_task_id: 'tsk_1', where, columns: ['age'] });
  assert.ok(TaskCreate.safeParse(body).success);
  assert.is(EXPORT_CHOICES.rows[0].format, 'xlsx');
});

test("a study's file is built by the hub", () => {
  assert.is(studyExportUrl('std_a b', 'pdf'), '/api/v1/studies/std_a%20b/export?format=pdf');
});

test.run();
