// Helpers for kmeans results computed in JS on samples: silhouette and a 2-D projection for the scatter chart.
import { EigenvalueDecomposition } from 'ml-matrix';
import { checkAborted } from './errors.ts';

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Mean silhouette of points with cluster labels (Euclidean); a point alone in its cluster scores 0. */
export async function silhouette(
  points: number[][],
  labels: number[],
  k: number,
  signal: AbortSignal,
): Promise<number | null> {
  const m = points.length;
  if (m < 2) return null;
  const sizes = new Array<number>(k).fill(0);
  for (const l of labels) sizes[l]++;
  if (sizes.filter((s) => s > 0).length < 2) return null;
  let total = 0;
  const sums = new Float64Array(k);
  for (let i = 0; i < m; i++) {
    sums.fill(0);
    const a = points[i];
    for (let j = 0; j < m; j++) {
      if (j === i) continue;
      const b = points[j];
      let d = 0;
      for (let f = 0; f < a.length; f++) d += (a[f] - b[f]) ** 2;
      sums[labels[j]] += Math.sqrt(d);
    }
    const own = labels[i];
    if (sizes[own] > 1) {
      const intra = sums[own] / (sizes[own] - 1);
      let nearest = Infinity;
      for (let c = 0; c < k; c++) if (c !== own && sizes[c] > 0) nearest = Math.min(nearest, sums[c] / sizes[c]);
      const denom = Math.max(intra, nearest);
      total += denom > 0 ? (nearest - intra) / denom : 0;
    }
    if (i % 100 === 99) {
      checkAborted(signal);
      await yieldToLoop();
    }
  }
  return total / m;
}

/** The first two principal components of (already centred or standardised) points, with the variance share of each. */
export function principalPlane(points: number[][]): {
  project: (p: number[]) => [number, number];
  share: [number, number];
} {
  const dims = points[0]?.length ?? 0;
  const mean = new Array<number>(dims).fill(0);
  for (const p of points) p.forEach((v, f) => (mean[f] += v / points.length));
  const cov = Array.from({ length: dims }, () => new Array<number>(dims).fill(0));
  for (const p of points) {
    for (let a = 0; a < dims; a++)
      for (let b = a; b < dims; b++)
        cov[a][b] += ((p[a] - mean[a]) * (p[b] - mean[b])) / Math.max(1, points.length - 1);
  }
  for (let a = 0; a < dims; a++) for (let b = 0; b < a; b++) cov[a][b] = cov[b][a];
  const evd = new EigenvalueDecomposition(cov, { assumeSymmetric: true });
  const values = evd.realEigenvalues;
  const order = values.map((v, i) => ({ v, i })).sort((x, y) => y.v - x.v);
  const vec = (i: number) => evd.eigenvectorMatrix.getColumn(i);
  const [u, w] = [vec(order[0].i), vec(order[1].i)];
  const total = values.reduce((s, v) => s + Math.max(0, v), 0) || 1;
  const dot = (p: number[], e: number[]) => p.reduce((s, v, f) => s + (v - mean[f]) * e[f], 0);
  return { project: (p) => [dot(p, u), dot(p, w)], share: [order[0].v / total, order[1].v / total] };
}

/** A small seeded PRNG (mulberry32): the same seed gives the same centres on every machine. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Greedy k-means++ seeding: each next centre is the best (lowest total squared distance) of a few candidates drawn
 * with probability ∝ squared distance to the nearest centre so far. One event-loop turn per centre.
 */
export async function seedCentres(
  points: number[][],
  k: number,
  seed: number,
  signal: AbortSignal,
): Promise<number[][]> {
  const rand = random(seed);
  const n = points.length;
  const trials = 2 + Math.floor(Math.log(k));
  const dist2 = (a: number[], b: number[]) => a.reduce((s, v, f) => s + (v - b[f]) ** 2, 0);
  const centres = [points[Math.floor(rand() * n)]];
  let d = points.map((p) => dist2(p, centres[0]));
  while (centres.length < k) {
    const total = d.reduce((s, v) => s + v, 0);
    let best: { pick: number; d: number[]; potential: number } | undefined;
    for (let t = 0; t < trials; t++) {
      let pick = Math.floor(rand() * n); // every point already is a centre: any point will do
      if (total > 0) {
        let r = rand() * total;
        for (pick = 0; pick < n - 1 && r >= d[pick]; pick++) r -= d[pick];
      }
      const c = points[pick];
      const next = d.map((v, i) => Math.min(v, dist2(points[i], c)));
      const potential = next.reduce((s, v) => s + v, 0);
      if (!best || potential < best.potential) best = { pick, d: next, potential };
    }
    const chosen = best as { pick: number; d: number[] };
    centres.push(points[chosen.pick]);
    d = chosen.d;
    checkAborted(signal);
    await yieldToLoop();
  }
  return centres.map((c) => [...c]);
}
