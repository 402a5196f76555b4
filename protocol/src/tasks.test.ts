import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { OpParams } from './ops.ts';
import { ResultPost, TaskCreate, TaskCreateBody } from './tasks.ts';

test('the op code picks the params schema, with defaults filled', () => {
  const r = TaskCreate.safeParse({ op: 100, params: { dataset: 'weather' } });
  assert.ok(r.success);
  assert.equal(r.data.params, { dataset: 'weather', limit: 100, offset: 0 });
  const f = TaskCreate.safeParse({
    op: 200,
    params: { dataset: 'weather', where: { column: 'a', op: '=', value: 1 } },
  });
  assert.ok(f.success);
  assert.not.ok(TaskCreate.safeParse({ op: 200, params: { dataset: 'weather' } }).success, 'filter needs where');
  assert.not.ok(TaskCreate.safeParse({ op: 150, params: { dataset: 'weather' } }).success, 'unknown op');
  assert.not.ok(TaskCreate.safeParse({ op: '100', params: { dataset: 'weather' } }).success, 'op is a number');
  assert.not.ok(TaskCreate.safeParse({ op: 100, params: { dataset: 'bad name!' } }).success, 'dataset name');
  assert.not.ok(TaskCreate.safeParse({ op: 100, params: { dataset: 'w', limit: 0 } }).success, 'limit >= 1');
});

test('a batch is an array of tasks', () => {
  assert.ok(
    TaskCreateBody.safeParse([
      { op: 100, params: { dataset: 'a' } },
      { op: 100, params: { dataset: 'b' } },
    ]).success,
  );
  assert.not.ok(TaskCreateBody.safeParse([]).success);
});

test('a result must fit its status', () => {
  assert.ok(ResultPost.safeParse({ task_id: 't1', lease_token: 'x', status: 'succeeded', result: {} }).success);
  assert.not.ok(ResultPost.safeParse({ task_id: 't1', lease_token: 'x', status: 'succeeded' }).success);
  assert.not.ok(ResultPost.safeParse({ task_id: 't1', lease_token: 'x', status: 'failed' }).success);
  assert.ok(
    ResultPost.safeParse({
      task_id: 't1',
      lease_token: 'x',
      status: 'failed',
      error: { code: 'op_failed', message: 'boom' },
    }).success,
  );
});

test('every op code has a params schema', () => {
  assert.equal(Object.keys(OpParams).sort(), ['100', '200', '300', '400']);
});

test.run();
