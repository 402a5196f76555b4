// Steps that long analyses and filters report: k-means restarts and iterations, logistic regression iterations, and
// counts written for people ("1,092 of 1,461 rows match").
import { AnalysisSpec, FilterParams } from '@simpul/protocol';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { datasetConfig, openEngine, runOp, SEATTLE_CSV } from '../engine/test-data.ts';
import { filterRows } from '../ops/filter.ts';
import { runAnalysis } from './run-analysis.ts';
import { openTestSource, tempDir, writeIrisCsv } from './test-source.ts';

const FEATURES = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'];
const tmp = tempDir();
const file = writeIrisCsv(tmp.dir);
test.after(() => tmp.cleanup());

/** Runs an analysis on iris and returns every progress report it made. */
async function reports(spec: Record<string, unknown>): Promise<{ percent: number; message?: string }[]> {
  const src = await openTestSource(file);
  const seen: { percent: number; message?: string }[] = [];
  src.progress = (percent, message) => void seen.push({ percent, message });
  try {
    await runAnalysis(src, AnalysisSpec.parse(spec));
    return seen;
  } finally {
    src.close();
  }
}

const nonDecreasing = (xs: number[]) => xs.every((x, i) => i === 0 || x >= xs[i - 1]);

test('k-means reports each restart and iteration, between 20 % and 50 %, never going back', async () => {
  const seen = await reports({ analysis: 'kmeans', k: 3, features: FEATURES, restarts: 3 });
  const clustering = seen.filter((r) => r.message?.startsWith('clustering: '));
  for (const restart of [1, 2, 3])
    assert.ok(
      clustering.some((r) => r.message?.startsWith(`clustering: restart ${restart} of 3, iteration 1`)),
      `restart ${restart} reported: ${clustering.map((r) => r.message).join(' | ')}`,
    );
  assert.ok(
    clustering.some((r) => /iteration [2-9]/.test(r.message ?? '')),
    'iterations after the first are reported',
  );
  assert.ok(
    clustering.every((r) => r.percent >= 20 && r.percent <= 50),
    clustering.map((r) => r.percent).join(', '),
  );
  assert.ok(nonDecreasing(seen.map((r) => r.percent)), seen.map((r) => r.percent).join(', '));
  assert.is(seen.at(-1)?.percent, 100);
});

test('logistic regression reports its iterations while it fits', async () => {
  const seen = await reports({
    analysis: 'logistic_regression',
    target: 'species',
    positive: 'virginica',
    features: FEATURES,
  });
  const fitting = seen.filter((r) => r.message?.startsWith('fitting: iteration '));
  assert.ok(fitting.length >= 3, fitting.map((r) => r.message).join(' | '));
  assert.match(fitting[0].message ?? '', /^fitting: iteration 1 of at most \d+$/);
  assert.match(fitting[1].message ?? '', /^fitting: iteration 2 of at most \d+$/);
  assert.ok(
    fitting.every((r) => r.percent >= 20 && r.percent <= 70),
    fitting.map((r) => r.percent).join(', '),
  );
  assert.ok(nonDecreasing(seen.map((r) => r.percent)), seen.map((r) => r.percent).join(', '));
});

test('a filter says how many rows match, with thousands separators', async () => {
  const engine = await openEngine([datasetConfig('weather', SEATTLE_CSV)]);
  try {
    const messages: string[] = [];
    const params = FilterParams.parse({
      dataset: 'weather',
      where: { column: 'temp_max', op: '>', value: 10 },
      limit: 5,
    });
    await runOp(engine, filterRows, 200, params, { messages });
    const match = messages.find((m) => m.endsWith('rows match'));
    assert.match(match ?? '', /^\d,\d{3} of 1,461 rows match$/, messages.join(' | '));
  } finally {
    await engine.close();
  }
});

test.run();
