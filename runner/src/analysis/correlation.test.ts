import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AnalysisResult, AnalysisSpec, type CorrelationResult } from '@simpul/protocol';
import { sampleCorrelation } from 'simple-statistics';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runAnalysis } from './run-analysis.ts';
import { VEGA, openTestSource } from './test-source.ts';

const FILE = join(VEGA, 'penguins.json');
const penguins: Record<string, unknown>[] = JSON.parse(readFileSync(FILE, 'utf8'));
const COLS = ['Beak Length (mm)', 'Beak Depth (mm)', 'Flipper Length (mm)', 'Body Mass (g)'];

/** Ranks 1..n with ties sharing their average rank. */
function ranks(values: number[]): number[] {
  const order = values.map((v, i) => ({ v, i })).sort((a, b) => a.v - b.v);
  const out = new Array<number>(values.length);
  for (let s = 0; s < order.length; ) {
    let e = s;
    while (e + 1 < order.length && order[e + 1].v === order[s].v) e++;
    for (let j = s; j <= e; j++) out[order[j].i] = (s + e) / 2 + 1;
    s = e + 1;
  }
  return out;
}

test('Pearson and Spearman matrices match simple-statistics on complete rows', async () => {
  const src = await openTestSource(FILE);
  try {
    const r = (await runAnalysis(
      src,
      AnalysisSpec.parse({ analysis: 'correlation', columns: COLS }),
    )) as CorrelationResult;
    assert.ok(AnalysisResult.safeParse(JSON.parse(JSON.stringify(r))).success);
    const complete = penguins.filter((p) => COLS.every((c) => typeof p[c] === 'number'));
    assert.is(r.rows_used, complete.length);
    assert.equal(r.columns, COLS);
    const col = (c: string) => complete.map((p) => p[c] as number);
    for (let i = 0; i < COLS.length; i++) {
      for (let j = 0; j < COLS.length; j++) {
        const pearson = i === j ? 1 : sampleCorrelation(col(COLS[i]), col(COLS[j]));
        const spearman = i === j ? 1 : sampleCorrelation(ranks(col(COLS[i])), ranks(col(COLS[j])));
        assert.ok(Math.abs((r.pearson?.[i][j] as number) - pearson) < 1e-9, `pearson ${i},${j}`);
        assert.ok(Math.abs((r.spearman?.[i][j] as number) - spearman) < 1e-9, `spearman ${i},${j}`);
      }
    }
    assert.is(r.charts.heatmaps.length, 2);
    assert.equal(r.charts.heatmaps[0].values, r.pearson);
  } finally {
    src.close();
  }
});

test('correlation defaults to the numeric columns and can do one method', async () => {
  const src = await openTestSource(FILE);
  try {
    const r = (await runAnalysis(
      src,
      AnalysisSpec.parse({ analysis: 'correlation', method: 'pearson' }),
    )) as CorrelationResult;
    assert.equal(r.columns, COLS);
    assert.ok(r.pearson);
    assert.is(r.spearman, undefined);
    const bad = await runAnalysis(
      src,
      AnalysisSpec.parse({ analysis: 'correlation', columns: ['Species', 'Body Mass (g)'] }),
    ).catch((e) => e);
    assert.is(bad.code, 'invalid_params');
  } finally {
    src.close();
  }
});

test.run();
