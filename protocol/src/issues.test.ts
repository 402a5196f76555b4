import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { problemsOf } from './issues.ts';
import { TaskCreateBody } from './tasks.ts';

const problems = (body: unknown) => {
  const r = TaskCreateBody.safeParse(body);
  assert.not.ok(r.success, 'the body is refused');
  return problemsOf(r.error!).map((p) => `${p.path}: ${p.message}`);
};

test('an unknown op or analysis is named at its place, not as "invalid input" of the whole body', () => {
  assert.equal(problems({ op: 250, params: {} }), [
    "op: Invalid discriminator value. Expected '100' | '200' | '300' | '400'",
  ]);
  const [analysis] = problems({ op: 300, params: { dataset: 'eu', analysis: 'nope' } });
  assert.match(analysis, /^params\.analysis: Invalid discriminator value\. Expected 'describe' \| 'correlation'/);
});

test('the problems of the option that came closest: every one of them, at its path', () => {
  assert.equal(problems({ op: 300, params: { dataset: 'eu', analysis: 'kmeans', k: 100000 } }), [
    'params.k: Too big: expected number to be <=50',
    'params.features: Invalid input: expected array, received undefined',
  ]);
  assert.equal(
    problems({
      op: 200,
      params: {
        dataset: 'x',
        where: {
          and: [
            { column: 'a', op: '=', value: 1 },
            { column: 'b', op: 'between', value: [1] },
          ],
        },
      },
    }),
    ['params.where.and.1.value: between needs [low, high]'],
  );
  assert.equal(problems({ op: 200, params: { dataset: 'x', extra: 1 } }), [
    'params.where: Invalid input: expected object, received undefined',
    'params: Unrecognized key: "extra"',
  ]);
});

test('in a batch the path starts with the task index; a condition is not mistaken for a group', () => {
  const [op] = problems([
    { op: 100, params: { dataset: 'a' } },
    { op: 200, params: { dataset: 'x', where: { column: 'a', op: '~', value: 1 } } },
  ]);
  assert.match(op, /^1\.params\.where\.op: Invalid option: expected one of "="\|"!="/);
});

test('where every option wants another kind of value, one problem names them all', () => {
  assert.equal(problems({ op: 200, params: { dataset: 'x', where: { column: 'a', op: '=', value: {} } } }), [
    'params.where.value: Invalid input: expected string, number, boolean or array, received object',
  ]);
  assert.equal(problems('x'), [': Invalid input: expected object or array, received string']);
  assert.equal(problems([]), [': Too small: expected array to have >=1 items']);
});

test.run();
