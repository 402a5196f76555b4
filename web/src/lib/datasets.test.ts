import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { RunnerView } from '@simpul/protocol';
import { datasetGroups, decodeTarget, encodeTarget, findDataset } from './datasets.ts';

const runner = (
  id: string,
  name: string,
  online: boolean,
  datasets: string[],
  extra: Partial<RunnerView> = {},
): RunnerView => ({
  runner_id: id,
  name,
  labels: [],
  version: '0.1.0',
  online,
  status: online ? 'online' : 'offline',
  transport: online ? 'websocket' : null,
  active_tasks: 0,
  last_seen: null,
  created_at: '2026-01-01T00:00:00.000Z',
  revoked: false,
  datasets: datasets.map((d) => ({
    name: d,
    columns: [{ name: `${d}_${id}`, type: 'BIGINT', kind: 'number' }],
    row_count: 1,
  })),
  ...extra,
});

test('targets encode and decode, with * for any runner', () => {
  assert.is(encodeTarget({ runner_id: null, dataset: 'a.csv' }), '*/a.csv');
  assert.equal(decodeTarget('r_1/a.csv'), { runner_id: 'r_1', dataset: 'a.csv' });
  assert.equal(decodeTarget('*/a.csv'), { runner_id: null, dataset: 'a.csv' });
  assert.is(decodeTarget(''), null);
  assert.is(decodeTarget('r_1/'), null);
});

test('choices come from online runners only, "any runner" first with a count', () => {
  const runners = [
    runner('r2', 'beta', true, ['weather', 'cars']),
    runner('r1', 'alpha', true, ['weather']),
    runner('r3', 'gamma', false, ['secret']),
    runner('r4', 'delta', true, ['gone'], { revoked: true }),
  ];
  const groups = datasetGroups(runners);
  assert.equal(
    groups.map((g) => g.label),
    ['Any runner with this dataset', 'Runner alpha', 'Runner beta'],
  );
  assert.equal(
    groups[0].choices.map((c) => c.label),
    ['cars (any runner, 1 online)', 'weather (any runner, 2 online)'],
  );
  assert.equal(
    groups[2].choices.map((c) => c.value),
    ['r2/cars', 'r2/weather'],
  );
  assert.not.ok(groups.flatMap((g) => g.choices).some((c) => c.dataset === 'secret' || c.dataset === 'gone'));
  assert.equal(datasetGroups([runner('r3', 'gamma', false, ['x'])]), []);
});

test('the schema comes from the named runner, or from an online one that has the dataset', () => {
  const runners = [runner('r1', 'alpha', false, ['weather']), runner('r2', 'beta', true, ['weather'])];
  assert.is(findDataset(runners, { runner_id: 'r1', dataset: 'weather' })?.columns[0].name, 'weather_r1');
  assert.is(findDataset(runners, { runner_id: null, dataset: 'weather' })?.columns[0].name, 'weather_r2');
  assert.is(findDataset(runners, { runner_id: null, dataset: 'none' }), null);
});

test.run();
