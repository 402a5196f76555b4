// Descriptions of every op, analysis kind, study round, study kind and filter operator: the tables are keyed by the
// protocol's own unions, so a new kind that has no example here fails to compile.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { AnalysisKind } from './analysis.ts';
import { DESCRIPTION_MAX, describeFilter, describeStudy, describeTask, taskTitle } from './describe.ts';
import { StudyCreate, type FederatedStep, type StudyKind } from './federated.ts';
import { Condition, type CompareOp } from './filter.ts';
import type { OpCode } from './ops.ts';

type Case = [params: unknown, expected: string];

const OPS = {
  100: [{ dataset: 'flights', columns: ['origin', 'dest'], offset: 100 }, 'Fetch origin, dest of flights from row 101'],
  200: [{ dataset: 'flights', where: { column: 'dep_delay', op: '>', value: 60 } }, 'Filter flights: dep_delay > 60'],
  300: [
    { dataset: 'patients', analysis: 'logistic_regression', target: 'diabetes', features: ['age', 'bmi'] },
    'Logistic: diabetes ~ age + bmi on patients',
  ],
  400: [
    { dataset: 'staff', format: 'xlsx', analysis: { analysis: 'describe', columns: ['salary'] } },
    'Export Describe salary on staff as XLSX',
  ],
} satisfies Record<OpCode, Case>;

const ANALYSES = {
  describe: [{ columns: ['salary', 'age'] }, 'Describe salary, age on staff'],
  correlation: [{ columns: ['a', 'b'], method: 'pearson' }, 'Correlation of a, b on staff'],
  group_by: [
    { group_by: ['dept'], aggregates: [{ fn: 'count' }, { fn: 'mean', column: 'salary' }] },
    'Group by dept: count, mean(salary) on staff',
  ],
  linear_regression: [{ target: 'salary', features: ['age', 'tenure'] }, 'Linear: salary ~ age + tenure on staff'],
  logistic_regression: [{ target: 'left', features: ['age'] }, 'Logistic: left ~ age on staff'],
  kmeans: [{ k: 4, features: ['age', 'salary'] }, 'K-means (k = 4) of age, salary on staff'],
} satisfies Record<AnalysisKind, Case>;

const round = { analysis: 'federated_round', dataset: 'p', study_id: 'stu_1', round: 2 };
const ROUNDS = {
  moments: [{ columns: ['x'] }, 'Study round 2 (moments of x) on p'],
  range: [{ columns: ['x', 'y'] }, 'Study round 2 (range of x, y) on p'],
  histogram: [{ columns: [{ column: 'x', min: 0, max: 1, bins: 4 }] }, 'Study round 2 (histogram of x) on p'],
  groups: [{ group_by: ['g'] }, 'Study round 2 (groups by g) on p'],
  crossprod: [{ columns: ['x', 'y'] }, 'Study round 2 (crossprod of x, y) on p'],
  newton: [{ target: 'y', features: ['x'], coefficients: [0, 0] }, 'Study round 2 (Newton step for y ~ x) on p'],
} satisfies Record<FederatedStep, Case>;

const STUDIES = {
  summary: [{ columns: ['age'] }, 'Summary of age on patients'],
  histogram: [{ columns: ['age', 'bmi'] }, 'Histogram of age, bmi on patients'],
  group_by: [{ group_by: ['sex'], aggregates: [{ fn: 'sum', column: 'bmi' }] }, 'Group by sex: sum(bmi) on patients'],
  correlation: [{ columns: ['age', 'bmi'] }, 'Correlation of age, bmi on patients'],
  linear_regression: [{ target: 'bmi', features: ['age'] }, 'Linear: bmi ~ age on patients'],
  logistic_regression: [
    { target: 'diabetes', features: ['age', 'bmi'], where: { column: 'age', op: '>=', value: 40 } },
    'Logistic: diabetes ~ age + bmi on patients where age >= 40',
  ],
} satisfies Record<StudyKind, Case>;

const CONDITIONS = {
  '=': ['airline', "'AA'", "airline = 'AA'"],
  '!=': ['n', 3, 'n != 3'],
  '<': ['n', 3, 'n < 3'],
  '<=': ['n', 3, 'n <= 3'],
  '>': ['n', 3, 'n > 3'],
  '>=': ['n', true, 'n >= true'],
  in: ['origin', ['JFK', 'LGA'], "origin in ('JFK', 'LGA')"],
  not_in: ['n', [1, 2], 'n not in (1, 2)'],
  between: ['age', [40, 60], 'age between 40 and 60'],
  is_null: ['bmi', undefined, 'bmi is empty'],
  not_null: ['bmi', undefined, 'bmi is not empty'],
  contains: ['name', 'an', "name contains 'an'"],
  starts_with: ['name', 'A', "name starts with 'A'"],
} satisfies Record<CompareOp, [string, unknown, string]>;

test('every op has a description that says what it does', () => {
  for (const [op, [params, expected]] of Object.entries(OPS))
    assert.is(describeTask(Number(op) as OpCode, params), expected);
});

test('every analysis kind of op 300, with its filter after "where"', () => {
  for (const [analysis, [options, expected]] of Object.entries(ANALYSES)) {
    assert.is(describeTask(300, { dataset: 'staff', analysis, ...options }), expected);
    const where = { column: 'age', op: '>', value: 30 };
    assert.is(describeTask(300, { dataset: 'staff', analysis, where, ...options }), `${expected} where age > 30`);
  }
  assert.is(describeTask(300, { dataset: 'staff', analysis: 'describe' }), 'Describe all columns on staff');
  assert.is(describeTask(300, { dataset: 's', analysis: 'correlation' }), 'Correlation of numeric columns on s');
});

test('every study round step', () => {
  for (const [step, [options, expected]] of Object.entries(ROUNDS))
    assert.is(describeTask(300, { ...round, step, ...options }), expected);
});

test('every study kind', () => {
  for (const [analysis, [options, expected]] of Object.entries(STUDIES))
    assert.is(describeStudy(StudyCreate.parse({ dataset: 'patients', analysis, ...options })), expected);
});

test('every filter operator, and nesting with brackets', () => {
  for (const [op, [column, value, expected]] of Object.entries(CONDITIONS)) {
    const c = Condition.parse(
      value === undefined ? { column, op } : { column, op, value: value === "'AA'" ? 'AA' : value },
    );
    assert.is(describeFilter(c), expected);
  }
  assert.is(
    describeFilter({
      or: [
        {
          and: [
            { column: 'a', op: '>', value: 1 },
            { column: 'b', op: '<', value: 2 },
          ],
        },
        { not: { column: 'c', op: 'is_null' } },
      ],
    }),
    '(a > 1 and b < 2) or not (c is empty)',
  );
});

test('exports of rows, long lists cut, unreadable params fall back to the op name, and titles prefer the name', () => {
  assert.is(
    describeTask(400, { dataset: 'f', format: 'csv', where: { column: 'x', op: '=', value: 1 } }),
    'Export f where x = 1 as CSV',
  );
  const columns = Array.from({ length: 9 }, (_, i) => `c${i}`);
  assert.is(describeTask(100, { dataset: 'f', columns }), 'Fetch c0, c1, c2, c3, c4, c5 and 3 more of f');
  const long = describeTask(200, {
    dataset: 'f',
    where: { column: 'x', op: 'in', value: columns.map((c) => c.repeat(30)) },
  });
  assert.is(long.length, DESCRIPTION_MAX);
  assert.ok(long.endsWith('…'));
  assert.is(describeTask(300, { dataset: 'f', analysis: 'nonsense' }), 'Analyse on f');
  assert.is(describeTask(200, null), 'Filter');
  assert.is(taskTitle({ name: 'Cohort A', description: 'Describe x on f' }), 'Cohort A');
  assert.is(taskTitle({ name: null, description: 'Describe x on f' }), 'Describe x on f');
});

test.run();
