// Small dense linear algebra for the models' normal equations (symmetric positive-definite systems), on ml-matrix.
import { CholeskyDecomposition, Matrix } from 'ml-matrix';

/** Cholesky factors of a symmetric matrix, or null when it is not positive definite (collinear or constant columns). */
export function spd(a: number[][]): CholeskyDecomposition | null {
  const c = new CholeskyDecomposition(new Matrix(a));
  if (!c.isPositiveDefinite()) return null;
  // Nearly singular (a column is a combination of others, up to rounding): L[i][i]² / A[i][i] is the share of
  // column i that the earlier columns do not explain, whatever the columns' scales.
  const l = c.lowerTriangularMatrix;
  if (a.some((r, i) => l.get(i, i) / Math.sqrt(r[i]) <= 1e-7)) return null;
  return c;
}

export const solveWith = (c: CholeskyDecomposition, b: number[]): number[] =>
  c.solve(Matrix.columnVector(b)).to1DArray();

export const inverseWith = (c: CholeskyDecomposition, n: number): number[][] => c.solve(Matrix.eye(n, n)).to2DArray();

export const dot = (a: readonly number[], b: readonly number[]): number => a.reduce((s, x, i) => s + x * b[i], 0);

/** `m · v` */
export const mulVec = (m: number[][], v: number[]): number[] => m.map((r) => dot(r, v));
