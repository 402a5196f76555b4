import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AnalysisSpec, type DescribeResult, type GroupByResult } from '@simpul/protocol';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runAnalysis } from './run-analysis.ts';
import { openTestSource, tempDir } from './test-source.ts';

const tmp = tempDir();
const WEIRD = 'na"me; DROP VIEW data; --';
const EVIL = "x'); DROP VIEW data; --";
const file = join(tmp.dir, 'people.csv');
writeFileSync(
  file,
  `${['id,"na""me; DROP VIEW data; --",score', '1,"O\'Brien",5', `2,"${EVIL}",7`, '3,"O\'Brien",9', '4,plain,11'].join('\n')}\n`,
);

const viewStillThere = async (src: Awaited<ReturnType<typeof openTestSource>>) => {
  const [r] = await src.query(`SELECT count(*) AS n FROM ${src.relation}`);
  assert.is(r.n, 4, 'the dataset view is intact');
};

test('a column name full of SQL is just a name: quoted, found, and its values come back intact', async () => {
  const src = await openTestSource(file);
  try {
    assert.ok(src.columns.some((c) => c.name === WEIRD));
    const d = (await runAnalysis(
      src,
      AnalysisSpec.parse({ analysis: 'describe', columns: [WEIRD] }),
    )) as DescribeResult;
    assert.is(d.columns[0].name, WEIRD);
    assert.is(d.columns[0].count, 4);
    const g = (await runAnalysis(
      src,
      AnalysisSpec.parse({ analysis: 'group_by', group_by: [WEIRD], aggregates: [{ fn: 'sum', column: 'score' }] }),
    )) as GroupByResult;
    assert.equal(
      g.groups.map((x) => [x.key[0], x.values[0]]),
      [
        ["O'Brien", 14],
        ['plain', 11],
        [EVIL, 7],
      ],
    );
    await viewStillThere(src);
  } finally {
    src.close();
  }
});

test('unknown column names (including injection attempts) fail with unknown_column in every analysis', async () => {
  const src = await openTestSource(file);
  const bad = 'score" FROM data; DROP VIEW data; --';
  const specs = [
    { analysis: 'describe', columns: [bad] },
    { analysis: 'correlation', columns: ['score', bad] },
    { analysis: 'group_by', group_by: [bad] },
    { analysis: 'group_by', group_by: ['id'], aggregates: [{ fn: 'max', column: bad }] },
    { analysis: 'linear_regression', target: 'score', features: [bad] },
    { analysis: 'logistic_regression', target: bad, features: ['id'] },
    { analysis: 'kmeans', k: 2, features: [bad] },
  ];
  try {
    for (const s of specs) {
      const e = await runAnalysis(src, AnalysisSpec.parse(s)).catch((x) => x);
      assert.is(e.code, 'unknown_column', `${s.analysis}: ${e.message}`);
      assert.is(e.name, 'AnalysisError');
    }
    await viewStillThere(src);
  } finally {
    src.close();
  }
});

test('values stay bound parameters: filter values and class labels that look like SQL match nothing or themselves', async () => {
  const col = `"${WEIRD.replaceAll('"', '""')}"`;
  const none = await openTestSource(file, { where: { sql: `${col} = $1`, params: ["' OR 1=1 --"] } });
  try {
    const d = (await runAnalysis(none, AnalysisSpec.parse({ analysis: 'describe' }))) as DescribeResult;
    assert.is(d.rows_used, 0);
    await viewStillThere(none);
  } finally {
    none.close();
  }
  const one = await openTestSource(file, { where: { sql: `${col} = $1`, params: [EVIL] } });
  try {
    const d = (await runAnalysis(
      one,
      AnalysisSpec.parse({ analysis: 'describe', columns: ['score'] }),
    )) as DescribeResult;
    assert.is(d.rows_used, 1);
    assert.is(d.columns[0].mean, 7);
  } finally {
    one.close();
  }
  const src = await openTestSource(file);
  try {
    const e = await runAnalysis(
      src,
      AnalysisSpec.parse({
        analysis: 'logistic_regression',
        target: WEIRD,
        positive: "plain' OR '1'='1",
        features: ['score'],
        test_pct: 0,
      }),
    ).catch((x) => x);
    assert.is(e.code, 'invalid_params', 'no row has that label, so there is only one class');
    await viewStillThere(src);
  } finally {
    src.close();
  }
});

test('an aborted task stops with an AbortError, before or between steps', async () => {
  const src = await openTestSource(file);
  try {
    src.abort();
    const before = await runAnalysis(src, AnalysisSpec.parse({ analysis: 'describe' })).catch((x) => x);
    assert.is(before.name, 'AbortError');
  } finally {
    src.close();
  }
  const mid = await openTestSource(file);
  try {
    const stopping = { ...mid, progress: (p: number) => (p > 0 ? mid.abort() : undefined) };
    const e = await runAnalysis(stopping, AnalysisSpec.parse({ analysis: 'describe' })).catch((x) => x);
    assert.is(e.name, 'AbortError');
  } finally {
    mid.close();
  }
});

test('±Infinity and NaN count as values but stay out of statistics and models, which use the finite rows', async () => {
  const f = join(tmp.dir, 'inf.csv');
  writeFileSync(
    f,
    `${['x,y,one', '1,2,a', '2,4.5,a', '3,6,a', '4,8.5,a', 'inf,1,a', '-inf,2,a', 'nan,3,a', '5,,a'].join('\n')}\n`,
  );
  const src = await openTestSource(f);
  try {
    assert.is(src.columns.find((c) => c.name === 'x')?.type, 'DOUBLE');
    const d = (await runAnalysis(
      src,
      AnalysisSpec.parse({ analysis: 'describe', columns: ['x'], bins: 4 }),
    )) as DescribeResult;
    const x = d.columns[0];
    assert.equal([x.count, x.nulls, x.non_finite, x.min, x.max, x.mean], [8, 0, 3, 1, 5, 3]);
    assert.is(x.sd, Math.sqrt(2.5));
    assert.equal(d.charts.histograms[0].edges, [1, 2, 3, 4, 5]);
    assert.is(
      d.charts.histograms[0].counts.reduce((a, b) => (a ?? 0) + (b ?? 0), 0),
      5,
      'the five finite values, in bins',
    );
    const lr = (await runAnalysis(
      src,
      AnalysisSpec.parse({ analysis: 'linear_regression', target: 'y', features: ['x'] }),
    )) as { rows_used: number };
    assert.is(lr.rows_used, 4, 'rows with a non-finite or missing value are left out, like missing ones');
    const c = (await runAnalysis(src, AnalysisSpec.parse({ analysis: 'correlation', columns: ['x', 'y'] }))) as {
      rows_used: number;
    };
    assert.is(c.rows_used, 4);
    const g = (await runAnalysis(
      src,
      AnalysisSpec.parse({
        analysis: 'group_by',
        group_by: ['one'],
        aggregates: [
          { fn: 'count', column: 'x' },
          { fn: 'sum', column: 'x' },
          { fn: 'mean', column: 'x' },
          { fn: 'min', column: 'x' },
          { fn: 'max', column: 'x' },
        ],
      }),
    )) as GroupByResult;
    assert.equal(
      g.groups[0].values,
      [8, 15, 3, 1, 5],
      'count counts every value; sum, mean, min and max the finite ones',
    );
  } finally {
    src.close();
  }
});

test('numbers beyond 64-bit integers (1e20 …) are described, histogram edges and all', async () => {
  const f = join(tmp.dir, 'huge.csv');
  writeFileSync(f, `${['v', ...[1, 2, 3, 4].map((i) => `${i}00000000000000000000.0`)].join('\n')}\n`);
  const src = await openTestSource(f);
  try {
    const d = (await runAnalysis(src, AnalysisSpec.parse({ analysis: 'describe', bins: 3 }))) as DescribeResult;
    assert.equal([d.columns[0].min, d.columns[0].max], [1e20, 4e20]);
    assert.equal(d.charts.histograms[0].edges, [1e20, 2e20, 3e20, 4e20]);
    assert.equal(d.charts.histograms[0].counts, [1, 1, 2]);
  } finally {
    src.close();
  }
});

test.after(() => tmp.cleanup());
test.run();
