import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TaskCreate } from '@simpul/protocol';
import type { ColumnInfo, TaskView } from '@simpul/protocol';
import { analysisFromSpec, buildAnalysis, emptyAnalysis, newAggregate, restoreAnalysis } from './analysis-form.ts';
import { newCondition, newGroup } from './filter-model.ts';
import { buildTask, draftFromTask, emptyDraft, restoreDraft, visibleErrors } from './task-form.ts';

const columns: ColumnInfo[] = [
  { name: 'species', type: 'VARCHAR', kind: 'string' },
  { name: 'bill_length_mm', type: 'DOUBLE', kind: 'number' },
  { name: 'body_mass_g', type: 'BIGINT', kind: 'number' },
  { name: 'island', type: 'VARCHAR', kind: 'string' },
  { name: 'male', type: 'BOOLEAN', kind: 'boolean' },
];

test('each kind sends only its own options, and the protocol accepts them', () => {
  const d = emptyAnalysis();
  d.features = ['bill_length_mm'];
  d.target = 'body_mass_g';
  d.group_by = ['island'];
  d.kind = 'describe';
  assert.equal(buildAnalysis(d, columns).spec, { analysis: 'describe', bins: 20, top: 10 });
  d.kind = 'linear_regression';
  const lin = buildAnalysis(d, columns);
  assert.equal(lin.errors, {});
  assert.equal(lin.spec, {
    analysis: 'linear_regression',
    target: 'body_mass_g',
    features: ['bill_length_mm'],
    seed: 42,
  });
  d.kind = 'kmeans';
  assert.equal(buildAnalysis(d, columns).spec, {
    analysis: 'kmeans',
    k: 3,
    features: ['bill_length_mm'],
    standardise: true,
    seed: 42,
  });
  d.kind = 'group_by';
  d.aggregates = [newAggregate('mean', 'body_mass_g'), newAggregate('count')];
  const g = buildAnalysis(d, columns);
  assert.equal(g.errors, {});
  assert.equal(g.spec, {
    analysis: 'group_by',
    group_by: ['island'],
    aggregates: [{ fn: 'mean', column: 'body_mass_g' }, { fn: 'count' }],
    sort: 'groups',
    limit: 1000,
  });
});

test('column roles are checked against the schema, beside the field that holds them', () => {
  const d = emptyAnalysis();
  d.kind = 'linear_regression';
  d.target = 'species';
  d.features = ['island', 'bill_length_mm'];
  const e = buildAnalysis(d, columns).errors;
  assert.match(e['a.target'], 'number');
  assert.match(e['a.features'], 'island');
  d.kind = 'kmeans';
  d.features = [];
  d.k = 1;
  const k = buildAnalysis(d, columns).errors;
  assert.ok(k['a.features'], 'features are required');
  assert.ok(k['a.k'], 'k below 2 is refused by the protocol schema');
  d.kind = 'group_by';
  const sum = newAggregate('sum', 'species');
  const none = newAggregate('median');
  d.aggregates = [sum, none];
  const g = buildAnalysis(d, columns).errors;
  assert.ok(g['a.group_by']);
  assert.match(g[`a.agg.${sum.id}.column`], 'number');
  assert.match(g[`a.agg.${none.id}.column`], 'Pick');
});

test('the positive class is typed by the target column', () => {
  const d = emptyAnalysis();
  d.kind = 'logistic_regression';
  d.target = 'male';
  d.features = ['bill_length_mm'];
  d.positive = 'yes';
  assert.match(buildAnalysis(d, columns).errors['a.positive'], 'true or false');
  d.positive = 'true';
  assert.is(buildAnalysis(d, columns).spec.positive, true);
  d.target = 'species';
  d.positive = 'Adelie';
  const b = buildAnalysis(d, columns);
  assert.equal(b.errors, {});
  assert.is(b.spec.positive, 'Adelie');
});

test('op 300 with a filter, and op 400 exporting an analysis, build requests TaskCreate accepts', () => {
  const d = emptyDraft();
  d.target = 'r_1/penguins';
  d.op = 300;
  d.analysis.kind = 'correlation';
  d.use_filter = true;
  d.filter = newGroup('and', [{ ...newCondition('island'), op: '=', value: 'Biscoe' }]);
  const a = buildTask(d, columns);
  assert.equal(a.errors, {});
  assert.equal(a.body.params, {
    dataset: 'penguins',
    analysis: 'correlation',
    method: 'both',
    where: { and: [{ column: 'island', op: '=', value: 'Biscoe' }] },
  });
  assert.ok(a.task);

  d.op = 400;
  d.export_format = 'pdf';
  d.export_source = 'analysis';
  d.columns = ['species']; // rows only: not sent with an analysis
  const e = buildTask(d, columns);
  assert.equal(e.errors, {});
  assert.equal(e.body.params, {
    dataset: 'penguins',
    format: 'pdf',
    analysis: { analysis: 'correlation', method: 'both' },
    where: { and: [{ column: 'island', op: '=', value: 'Biscoe' }] },
  });
  assert.ok(TaskCreate.safeParse(e.body).success);

  d.export_source = 'rows';
  d.use_filter = false;
  assert.equal(buildTask(d, columns).body.params, { dataset: 'penguins', format: 'pdf', columns: ['species'] });
});

test('a problem inside the analysis is keyed to its field, and nothing is ready to send', () => {
  const d = emptyDraft();
  d.target = '*/penguins';
  d.op = 300;
  d.analysis.kind = 'describe';
  d.analysis.bins = 500;
  const built = buildTask(d, columns);
  assert.is(built.task, null);
  assert.ok(built.errors['a.bins'], JSON.stringify(built.errors));
});

test('a task of op 300 and 400 comes back as the draft that made it', () => {
  const base: Omit<TaskView, 'op' | 'params'> = {
    task_id: 't1',
    name: null,
    description: '',
    study_id: null,
    dataset: 'penguins',
    target_runner_id: null,
    runner_id: null,
    status: 'succeeded',
    attempt: 1,
    max_attempts: 3,
    timeout_s: 60,
    progress: 100,
    progress_message: null,
    created_by: null,
    created_at: '',
    updated_at: '',
    started_at: null,
    finished_at: null,
    error: null,
  };
  const where = { and: [{ column: 'island', op: '=' as const, value: 'Dream' }] };
  const spec = { analysis: 'kmeans', k: 4, features: ['bill_length_mm', 'body_mass_g'], standardise: false, seed: 7 };
  const d = draftFromTask({ ...base, op: 300, params: { dataset: 'penguins', ...spec, where } });
  assert.is(d.analysis.kind, 'kmeans');
  assert.is(d.analysis.k, 4);
  assert.is(d.analysis.standardise, false);
  assert.ok(d.use_filter);
  const again = buildTask(d, columns);
  assert.equal(again.errors, {});
  assert.equal((again.body.params as Record<string, unknown>).where, where);

  const e = draftFromTask({
    ...base,
    op: 400,
    params: { dataset: 'penguins', format: 'xlsx', analysis: { analysis: 'describe' } },
  });
  assert.is(e.export_format, 'xlsx');
  assert.is(e.export_source, 'analysis');
  assert.is(e.analysis.kind, 'describe');
});

test('stored drafts are restored field by field; junk falls back to defaults', () => {
  const d = emptyDraft();
  d.op = 300;
  d.analysis.kind = 'group_by';
  d.analysis.aggregates = [newAggregate('max', 'bill_length_mm')];
  d.export_format = 'parquet';
  const back = restoreDraft(JSON.parse(JSON.stringify(d)));
  assert.equal(back, d);
  const junk = restoreAnalysis({ kind: 'magic', k: 'many', aggregates: [{ fn: 'avg' }], features: [1, 'a'] });
  assert.is(junk.kind, 'describe');
  assert.is(junk.k, 3);
  assert.is(junk.aggregates[0].fn, 'count');
  assert.equal(junk.features, ['a']);
  assert.is(analysisFromSpec({ analysis: 'kmeans' }), null, 'a spec the protocol refuses gives no draft');
});

test('before Submit only typed problems show; after it, every one', () => {
  const d = emptyDraft();
  d.op = 300;
  d.analysis.kind = 'kmeans';
  d.analysis.k = 99;
  const errors = buildTask(d, columns).errors;
  assert.ok(errors.target && errors['a.features'] && errors['a.k']);
  assert.equal(Object.keys(visibleErrors(d, errors, false)), ['a.k'], 'a typed k out of range shows at once');
  assert.equal(visibleErrors(d, errors, true), errors);
});

test.run();
