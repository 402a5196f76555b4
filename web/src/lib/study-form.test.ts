import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { StudyCreate } from '@simpul/protocol';
import type { ColumnInfo, RunnerView } from '@simpul/protocol';
import { newCondition } from './filter-model.ts';
import { buildStudy, emptyStudyDraft, sharedDatasets } from './study-form.ts';

const columns: ColumnInfo[] = [
  { name: 'age', type: 'BIGINT', kind: 'number' },
  { name: 'bmi', type: 'DOUBLE', kind: 'number' },
  { name: 'site', type: 'VARCHAR', kind: 'string' },
  { name: 'smoker', type: 'BOOLEAN', kind: 'boolean' },
];

const runner = (name: string, datasets: string[], extra: Partial<RunnerView> = {}): RunnerView => ({
  runner_id: `rnr_${name}`,
  name,
  labels: [],
  version: null,
  online: true,
  status: 'online',
  transport: 'websocket',
  active_tasks: 0,
  last_seen: null,
  created_at: '2026-01-01T00:00:00.000Z',
  revoked: false,
  datasets: datasets.map((d) => ({ name: d, columns, row_count: 10 })),
  ...extra,
});

test('datasets served by several runners come first, offline runners count, revoked ones do not', () => {
  const list = sharedDatasets([
    runner('b', ['patients']),
    runner('a', ['patients', 'weather']),
    runner('c', ['patients'], { online: false, status: 'offline' }),
    runner('d', ['patients'], { revoked: true }),
  ]);
  assert.equal(
    list.map((d) => [d.name, d.runners.map((r) => `${r.name}${r.online ? '' : ' (offline)'}`)]),
    [
      ['patients', ['a', 'b', 'c (offline)']],
      ['weather', ['a']],
    ],
  );
});

test('a complete draft builds a body the protocol accepts, with a typed positive class and a filter', () => {
  const d = {
    ...emptyStudyDraft(),
    dataset: 'patients',
    analysis: 'logistic_regression' as const,
    target: 'smoker',
    features: ['age', 'bmi'],
    positive: 'true',
    require: 'quorum' as const,
  };
  d.use_filter = true;
  d.filter.children.push({ ...newCondition('age'), op: '>=', value: '40' });
  const built = buildStudy(d, columns);
  assert.ok(built.ok, JSON.stringify(built.errors));
  const parsed = StudyCreate.parse(built.body);
  assert.ok(parsed.analysis === 'logistic_regression' && parsed.positive === true && parsed.require === 'quorum');
  assert.equal(built.body.where, { and: [{ column: 'age', op: '>=', value: 40 }] });
  assert.is(built.body.runner_ids, undefined); // every runner that serves it
});

test('missing or unfit fields are named in plain words', () => {
  const none = buildStudy(emptyStudyDraft(), columns);
  assert.ok(!none.ok);
  assert.is(none.errors.dataset, 'Pick a dataset');
  assert.is(none.errors.columns, 'Pick at least one column');
  const corr = buildStudy(
    { ...emptyStudyDraft(), dataset: 'p', analysis: 'correlation', columns: ['age', 'site'] },
    columns,
  );
  assert.is(corr.errors.columns, 'Not numeric: site');
  const groups = buildStudy(
    {
      ...emptyStudyDraft(),
      dataset: 'p',
      analysis: 'group_by',
      group_by: ['site'],
      aggregates: [{ fn: 'mean', column: '' }],
    },
    columns,
  );
  assert.is(groups.errors.aggregates, 'A sum or mean needs a column');
  const ok = buildStudy(
    {
      ...emptyStudyDraft(),
      dataset: 'p',
      analysis: 'group_by',
      group_by: ['site'],
      aggregates: [
        { fn: 'count', column: '' },
        { fn: 'mean', column: 'bmi' },
      ],
      runner_ids: ['rnr_a'],
    },
    columns,
  );
  assert.ok(ok.ok, JSON.stringify(ok.errors));
  assert.equal(ok.body.aggregates, [{ fn: 'count' }, { fn: 'mean', column: 'bmi' }]);
  assert.equal(ok.body.runner_ids, ['rnr_a']);
});

test.run();
