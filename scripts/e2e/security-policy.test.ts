// The data owner's policy, enforced by a real runner process on real data: allow_ops, hidden_columns, max_rows and
// min_group_size (k, default 5 once a policy is set), plus the runner's own audit file.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { HubProc } from '../lib/hub.ts';
import { RunnerProc } from '../lib/runner.ts';
import { PATIENTS_CSV, VEGA } from '../lib/data.ts';
import { waitFor } from '../lib/procs.ts';

const PENGUINS = join(VEGA, 'penguins.json');
const penguins: Record<string, unknown>[] = JSON.parse(readFileSync(PENGUINS, 'utf8'));
const countBy = (key: (r: Record<string, unknown>) => string) =>
  penguins.reduce<Record<string, number>>((m, r) => ((m[key(r)] = (m[key(r)] ?? 0) + 1), m), {});

const test = suite('security: the data owner’s policy');
let hub: HubProc;
let runner: RunnerProc;
let runnerId: string;
const taskIds: string[] = [];

test.before(async () => {
  hub = await HubProc.start();
  runner = await RunnerProc.start(
    hub,
    {
      name: 'owner-runner',
      datasets: [
        { name: 'penguins_k50', path: PENGUINS, policy: { min_group_size: 50 } },
        { name: 'penguins_300', path: PENGUINS, policy: { allow_ops: [300] } }, // k defaults to 5
        { name: 'patients', path: PATIENTS_CSV, policy: { hidden_columns: ['notes', 'patient_id'], max_rows: 25 } },
      ],
    },
    false,
  );
  await hub.waitRunnerOnline('owner-runner', true, 120_000);
  runnerId = await runner.id();
});
test.after(async () => {
  await runner?.stop();
  await hub?.stop();
});

async function run(op: number, params: Record<string, unknown>) {
  const c = await hub.api.post('/api/v1/tasks', { op, runner_id: runnerId, params });
  assert.is(c.status, 201, JSON.stringify(c.body));
  taskIds.push(c.body.task_id);
  const task = await hub.api.waitTask(c.body.task_id);
  const r = await hub.api.get(`/api/v1/result/${c.body.task_id}`);
  return { task, result: r.body.result, error: r.body.error };
}

test('allow_ops: a refused operation fails with policy_denied naming the rule', async () => {
  const { task, error } = await run(100, { dataset: 'penguins_300', limit: 5 });
  assert.is(task.status, 'failed');
  assert.is(error.code, 'policy_denied');
  assert.match(error.message, /allow_ops/);
  const ok = await run(300, { dataset: 'penguins_300', analysis: 'describe', columns: ['Island'] });
  assert.is(ok.task.status, 'succeeded');
});

test('hidden_columns: never advertised (not even by name), never returned, never usable in a filter', async () => {
  const view = (await hub.runners()).find((r) => r.runner_id === runnerId);
  const ds = view.datasets.find((d: { name: string }) => d.name === 'patients');
  const names = ds.columns.map((c: { name: string }) => c.name);
  assert.not.ok(names.includes('notes') || names.includes('patient_id'), names.join(','));
  assert.ok(names.includes('age'));
  assert.not.ok(JSON.stringify(view).includes('patient_id'), 'the policy is advertised without the hidden names');
  assert.is(ds.policy.max_rows, 25);
  assert.is(ds.policy.min_group_size, 5, 'the k in force is advertised');

  const rows = await run(100, { dataset: 'patients', limit: 100 });
  assert.is(rows.task.status, 'succeeded');
  assert.not.ok(rows.result.columns.some((c: { name: string }) => c.name === 'notes' || c.name === 'patient_id'));
  assert.not.ok(JSON.stringify(rows.result).includes('P0000'), 'no patient id leaves the runner');
  assert.is(rows.result.rows.length, 25, 'max_rows caps the page');

  for (const params of [
    { dataset: 'patients', columns: ['patient_id'], limit: 5 },
    { dataset: 'patients', limit: 5, order_by: [{ column: 'notes', direction: 'asc' }] },
  ]) {
    const r = await run(100, params);
    assert.is(r.error.code, 'unknown_column', JSON.stringify(params));
    assert.not.match(r.error.message, /its columns are:.*notes/);
  }
  const filtered = await run(200, { dataset: 'patients', where: { column: 'notes', op: '=', value: 'follow-up' } });
  assert.is(filtered.error.code, 'unknown_column');
  const described = await run(300, { dataset: 'patients', analysis: 'describe' });
  assert.is(described.task.status, 'succeeded');
  assert.not.ok(described.result.columns.some((c: { name: string }) => c.name === 'notes' || c.name === 'patient_id'));
});

test('max_rows: an export of more raw rows than allowed is refused, naming the rule', async () => {
  const { task, error } = await run(400, { dataset: 'patients', format: 'csv' });
  assert.is(task.status, 'failed');
  assert.is(error.code, 'policy_denied');
  assert.match(error.message, /lets 25 raw rows leave this runner now \(per task: 25/);
});

test('min_group_size: group_by cells under k are withheld with their keys; the rest are exact', async () => {
  const { result } = await run(300, { dataset: 'penguins_k50', analysis: 'group_by', group_by: ['Island', 'Species'] });
  const expected = countBy((r) => `${r.Island}|${r.Species}`);
  const small = Object.entries(expected).filter(([, n]) => n < 50);
  assert.ok(small.length >= 1);
  for (const g of result.groups) {
    const n = expected[`${g.key[0]}|${g.key[1]}`];
    assert.ok(n >= 50, `${g.key} (${n} rows) is shown`);
    assert.is(g.count, n, `${g.key}`);
    assert.is(g.suppressed, false);
  }
  assert.is(result.suppressed_groups + result.groups.length, Object.keys(expected).length);
  assert.ok(result.suppressed_groups >= small.length);
  assert.ok(result.disclosure.rules_applied.includes('min_group_size'));
});

test('min_group_size: describe’s top values and histogram bins, and the confusion matrix, show no cell under k', async () => {
  const d = await run(300, {
    dataset: 'penguins_k50',
    analysis: 'describe',
    columns: ['Sex', 'Body Mass (g)'],
    bins: 20,
  });
  const sex = d.result.columns.find((c: { name: string }) => c.name === 'Sex');
  const sexes = countBy((r) => String(r.Sex));
  assert.equal(
    sex.top.map((t: { value: string }) => t.value).sort(),
    Object.keys(sexes)
      .filter((k) => k !== 'null' && sexes[k] >= 50)
      .sort(),
  );
  for (const t of sex.top) assert.is(t.count, sexes[t.value]);
  const hist = d.result.charts.histograms.find((h: { column: string }) => h.column === 'Body Mass (g)');
  assert.ok(
    hist.counts.some((c: number | null) => c === null),
    'some small bins are suppressed',
  );
  assert.ok(hist.counts.every((c: number | null) => c === null || c === 0 || c >= 50));

  const lr = await run(300, {
    dataset: 'penguins_k50',
    analysis: 'logistic_regression',
    target: 'Sex',
    positive: 'MALE',
    features: ['Body Mass (g)', 'Beak Depth (mm)'],
  }); // a where leaving 11 rows out would fail the query-set rule (k = 50)
  assert.is(lr.task.status, 'succeeded', JSON.stringify(lr.error));
  const cells = [
    lr.result.confusion.tp,
    lr.result.confusion.fp,
    lr.result.confusion.tn,
    lr.result.confusion.fn,
    ...lr.result.charts.confusion.matrix.flat(),
  ];
  assert.ok(
    cells.every((c: number | null) => c === null || c >= 50),
    JSON.stringify(cells),
  );
});

test('k defaults to 5 once any policy is set', async () => {
  const { result } = await run(300, { dataset: 'penguins_300', analysis: 'group_by', group_by: ['Sex'] });
  assert.not.ok(
    result.groups.some((g: { key: unknown[] }) => g.key[0] === '.'),
    'the one-row group is withheld, key included',
  );
  // One withheld group beside rows_used would follow by subtraction: the next smallest (the 10 rows without a sex) goes too.
  assert.is(result.suppressed_groups, 2);
  assert.is(result.suppressed_rows, 10, '11 rows, rounded to 5');
  const sexes = countBy((r) => String(r.Sex));
  for (const g of result.groups) assert.is(g.count, sexes[g.key[0] as string], `${g.key}: exact`);
});

test('the runner keeps its own audit file: one line per task, with what was asked and what came of it', async () => {
  const file = `${runner.configPath}.audit.jsonl`;
  const lines = await waitFor(() => {
    const l = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((x) => JSON.parse(x));
    return taskIds.every((id) => l.some((e) => e.task_id === id)) ? l : undefined;
  }, 'every task in the runner audit file');
  const refused = lines.find((e) => e.task_id === taskIds[0]);
  assert.is(refused.outcome, 'failed');
  assert.is(refused.error_code, 'policy_denied');
  assert.is(refused.dataset, 'penguins_300');
  assert.is(refused.op, 100);
  assert.is(refused.params.dataset, 'penguins_300');
  assert.is(refused.params.limit, 5, 'the params as asked');
  assert.match(refused.params_sha256, /^[0-9a-f]{64}$/);
  const ok = lines.find((e) => e.outcome === 'succeeded' && e.dataset === 'patients' && e.op === 100);
  assert.is(ok.rows, 25);
  assert.is(ok.delivered, true);
  assert.match(ok.result_sha256, /^[0-9a-f]{64}$/);
});

test.run();
