// kmeans: centres fitted (ml-kmeans) on a seeded sample, then every filtered row assigned and summarised in DuckDB.
import type { KmeansResult } from '@simpul/protocol';
import { type kmeans as kmeansFit, kmeansGenerator } from 'ml-kmeans';
import { principalPlane, seedCentres, silhouette } from './cluster-stats.ts';
import { AnalysisError, checkAborted } from './errors.ts';
import { Sql, asDouble, count, distinct, num, numericColumn, stepper, suppress, withRowHash } from './sql.ts';
import type { SpecOf, SqlSource } from './types.ts';

const SILHOUETTE_ROWS = 2000;
const SCATTER_POINTS = 1000;

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Called after each Lloyd iteration: which restart (from 0) and how many iterations it has run. */
export type OnIteration = (restart: number, iteration: number) => void;

/** Lloyd iterations from one seeding, one event-loop turn per iteration so a long fit does not starve the heartbeat. */
async function lloyd(
  data: number[][],
  o: SpecOf<'kmeans'>,
  seed: number,
  signal: AbortSignal,
  onIteration: () => void,
) {
  const initialization = await seedCentres(data, o.k, seed, signal);
  try {
    let last: ReturnType<typeof kmeansFit> | undefined;
    for (const r of kmeansGenerator(data, o.k, { seed, maxIterations: o.max_iterations, initialization })) {
      last = r;
      checkAborted(signal);
      onIteration();
      await yieldToLoop();
    }
    if (!last) throw new Error('no iteration ran');
    return last;
  } catch (e) {
    if (signal.aborted) throw e;
    throw new AnalysisError(
      'invalid_params',
      `k-means could not run with k = ${o.k}: ${e instanceof Error ? e.message : String(e)} (fewer distinct rows than clusters?)`,
    );
  }
}

/** `restarts` seeded runs (k-means finds local optima); the one with the least within-cluster sum of squares wins. */
async function cluster(data: number[][], o: SpecOf<'kmeans'>, signal: AbortSignal, onIteration: OnIteration) {
  let best: { fit: Awaited<ReturnType<typeof lloyd>>; inertia: number } | undefined;
  for (let r = 0; r < o.restarts; r++) {
    let iteration = 0;
    const fit = await lloyd(data, o, o.seed + r, signal, () => onIteration(r, ++iteration));
    const inertia = data.reduce(
      (s, p, i) => s + p.reduce((t, v, f) => t + (v - fit.centroids[fit.clusters[i]][f]) ** 2, 0),
      0,
    );
    if (!best || inertia < best.inertia) best = { fit: { ...fit, clusters: [...fit.clusters] } as typeof fit, inertia };
  }
  return (best as { fit: Awaited<ReturnType<typeof lloyd>> }).fit;
}

export async function kmeans(src: SqlSource, o: SpecOf<'kmeans'>): Promise<KmeansResult> {
  distinct(o.features, 'features');
  const feats = o.features.map((f) => numericColumn(src, f, 'feature'));
  const p = feats.length;
  const xs = feats.map((_, i) => `x${i}`);
  const step = stepper(src);
  const baseOf = (sql: Sql) =>
    sql.from(
      feats.map((f, i) => `${asDouble(f)} AS x${i}`).join(', '),
      feats.map((f) => `${asDouble(f)} IS NOT NULL`),
    );

  step(0, 'column statistics', 0.1);
  const s1 = new Sql(src);
  const [st] = await src.query(
    `SELECT count(*) AS n, ${xs.map((x, i) => `avg(${x}) AS m${i}, stddev_pop(${x}) AS s${i}`).join(', ')} FROM ${baseOf(s1)}`,
    s1.params,
  );
  checkAborted(src.signal);
  const n = count(st.n);
  if (n < o.k)
    throw new AnalysisError('invalid_params', `${n} complete rows; k = ${o.k} clusters need at least ${o.k}`);
  const centre = xs.map((_, i) => (o.standardise ? (num(st[`m${i}`]) ?? 0) : 0));
  const scale = xs.map((_, i) => (o.standardise ? num(st[`s${i}`]) || 1 : 1)); // a constant feature keeps scale 1
  step(0.1, 'sample', 0.2);

  // A seeded random sample: rows in the order of their hash (the first rows also serve the silhouette and the chart).
  const s2 = new Sql(src);
  const sampleRows = await src.query(
    `SELECT ${xs.join(', ')} FROM ${withRowHash(baseOf(s2), xs, s2.bind(o.seed, 'BIGINT'))} ORDER BY h LIMIT ${s2.bind(o.sample_rows, 'BIGINT')}`,
    s2.params,
  );
  checkAborted(src.signal);
  const data = sampleRows.map((r) => xs.map((x, i) => ((num(r[x]) ?? 0) - centre[i]) / scale[i]));
  step(0.2, 'clustering');
  const fit = await cluster(data, o, src.signal, (r, it) => {
    const done = (r + Math.min(1, it / o.max_iterations)) / o.restarts;
    step(0.2 + 0.3 * done, `clustering: restart ${r + 1} of ${o.restarts}, iteration ${it}`);
  });
  step(0.5, 'assigning rows', 0.7);

  // Every filtered row goes to its nearest centre (in the standardised space the centres were fitted in).
  const s3 = new Sql(src);
  const inv = scale.map((s) => s3.bind(1 / s, 'DOUBLE'));
  const dist = fit.centroids.map((c) =>
    xs.map((x, i) => `pow((${x} - ${s3.bind(c[i] * scale[i] + centre[i], 'DOUBLE')}) * ${inv[i]}, 2)`).join(' + '),
  );
  const assigned = `(SELECT *, [${dist.join(', ')}] AS ds FROM ${baseOf(s3)})`;
  const k = src.minGroupSize ?? 0;
  const kp = s3.bind(k, 'BIGINT');
  const groups = await src.query(
    `SELECT list_position(ds, list_min(ds)) - 1 AS cl, count(*) AS n, count(*) < ${kp} AS hidden, ${xs.map((x, i) => `CASE WHEN count(*) < ${kp} THEN NULL ELSE avg(${x}) END AS c${i}`).join(', ')}
     FROM ${assigned} GROUP BY cl ORDER BY cl`,
    s3.params,
  );
  checkAborted(src.signal);
  const sizes: (number | null)[] = new Array(o.k).fill(0);
  const centroids: (number | null)[][] = Array.from({ length: o.k }, () => new Array<number | null>(p).fill(null));
  for (const g of groups) {
    const c = count(g.cl);
    if (c < 0 || c >= o.k) continue;
    sizes[c] = suppress(count(g.n), src.minGroupSize);
    centroids[c] = xs.map((_, i) => num(g[`c${i}`]));
  }
  step(0.7, 'silhouette');

  const head = data.slice(0, SILHOUETTE_ROWS);
  const score = await silhouette(head, fit.clusters.slice(0, head.length), o.k, src.signal);
  step(0.95, 'chart');

  let scatter: KmeansResult['charts']['scatter'];
  if (!src.minGroupSize) {
    // Points are individual rows: only without a minimum group size.
    const pts = sampleRows.slice(0, SCATTER_POINTS).map((r) => xs.map((x) => num(r[x]) ?? 0));
    const group = fit.clusters.slice(0, pts.length);
    if (p <= 2) {
      scatter = {
        x: pts.map((q) => q[0]),
        y: pts.map((q) => (p === 2 ? q[1] : 0)),
        x_label: feats[0].name,
        y_label: p === 2 ? feats[1].name : '',
        group,
      };
    } else {
      const plane = principalPlane(data);
      const proj = data.slice(0, pts.length).map((q) => plane.project(q));
      const pct = (s: number) => `${Math.round(s * 100)}%`;
      scatter = {
        x: proj.map((q) => q[0]),
        y: proj.map((q) => q[1]),
        x_label: `PC1 (${pct(plane.share[0])})`,
        y_label: `PC2 (${pct(plane.share[1])})`,
        group,
      };
    }
  }
  step(1);
  return {
    analysis: 'kmeans',
    rows_used: n,
    k: o.k,
    features: feats.map((f) => f.name),
    standardised: o.standardise,
    centroids,
    sizes,
    silhouette: score,
    silhouette_rows: head.length,
    sample_rows: data.length,
    iterations: fit.iterations,
    converged: fit.converged,
    charts: scatter ? { scatter } : {},
  };
}
