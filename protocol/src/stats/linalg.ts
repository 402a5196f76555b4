// Small dense linear algebra for combining sites: Cholesky factors of symmetric positive-definite matrices, solves, inverses.

export type Matrix = number[][];

/**
 * Lower-triangular L with A = L·Lᵀ, or null when A is not positive definite to working precision. A pivot whose square
 * is at most 1e-14 of its diagonal entry means that column is (almost) a combination of the earlier ones, whatever the
 * columns' scales: a constant or collinear feature.
 */
export function cholesky(a: Matrix): Matrix | null {
  const n = a.length;
  const l: Matrix = a.map(() => new Array<number>(n).fill(0));
  for (let j = 0; j < n; j++) {
    let d = a[j][j];
    for (let k = 0; k < j; k++) d -= l[j][k] * l[j][k];
    if (!(d > 0) || !Number.isFinite(d) || d <= 1e-14 * a[j][j]) return null;
    const ljj = Math.sqrt(d);
    l[j][j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = a[i][j];
      for (let k = 0; k < j; k++) s -= l[i][k] * l[j][k];
      l[i][j] = s / ljj;
    }
  }
  return l;
}

/** x with L·Lᵀ·x = b. */
export function choleskySolve(l: Matrix, b: readonly number[]): number[] {
  const n = l.length;
  const y = new Array<number>(n).fill(0);
  for (let i = 0; i < n; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= l[i][k] * y[k];
    y[i] = s / l[i][i];
  }
  const x = new Array<number>(n).fill(0);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i];
    for (let k = i + 1; k < n; k++) s -= l[k][i] * x[k];
    x[i] = s / l[i][i];
  }
  return x;
}

/** (L·Lᵀ)⁻¹, symmetrised. */
export function choleskyInverse(l: Matrix): Matrix {
  const n = l.length;
  const cols = Array.from({ length: n }, (_, j) =>
    choleskySolve(
      l,
      Array.from({ length: n }, (_, i) => (i === j ? 1 : 0)),
    ),
  );
  return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (cols[j][i] + cols[i][j]) / 2));
}

export const dot = (a: readonly number[], b: readonly number[]): number => a.reduce((s, x, i) => s + x * b[i], 0);

export const mulVec = (m: Matrix, v: readonly number[]): number[] => m.map((row) => dot(row, v));

/** The leading `rows` × `cols` block of `m`, starting at (r0, c0). */
export const block = (m: Matrix, r0: number, c0: number, rows: number, cols: number): Matrix =>
  m.slice(r0, r0 + rows).map((row) => row.slice(c0, c0 + cols));
