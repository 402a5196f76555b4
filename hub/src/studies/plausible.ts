// Checks of a site's study partial against what can be true: a site that sends impossible aggregates is refused.
import type { FederatedPartial } from '@simpul/protocol';

const TOL = 1e-6;

/** Room for rounding and cell-key noise at the site (and a dataset that grew a little since it was advertised). */
const roomAbove = (n: number, cells = 1) => n * 1.05 + 10 * cells;

/** Not symmetric (relative to the entries' size), or not square. */
function asymmetric(m: number[][]): boolean {
  const k = m.length;
  for (let i = 0; i < k; i++) {
    if (m[i].length !== k) return true;
    for (let j = 0; j < i; j++) {
      const a = m[i][j];
      const b = m[j][i];
      if (Math.abs(a - b) > TOL * Math.max(1, Math.abs(a), Math.abs(b))) return true;
    }
  }
  return false;
}

const negativeDiagonal = (m: number[][]) =>
  m.some((row, i) => (row[i] ?? 0) < -TOL * Math.max(1, Math.abs(row[i] ?? 0)));

/**
 * Why this partial cannot be true, or null. `rowCount` is the row count the runner advertised for the dataset (null:
 * unknown). Counts below zero do not parse at all; this catches the rest.
 */
export function implausible(p: FederatedPartial, rowCount: number | null): string | null {
  if (rowCount !== null && p.rows > roomAbove(rowCount))
    return `it reports ${p.rows} rows, but the dataset it advertises has ${rowCount}`;
  const over = (n: number | null | undefined, what: string, cells = 1) =>
    n != null && n > roomAbove(p.rows, cells) ? `${what} is ${n}, more than the ${p.rows} rows it reports` : null;
  switch (p.step) {
    case 'moments':
      for (const c of p.columns) {
        const bad = over(c.n, `the count of ${c.column}`);
        if (bad) return bad;
        if (c.m2 !== null && c.m2 < 0) return `the variance of ${c.column} is negative`;
        if (c.min !== null && c.max !== null && c.min > c.max) return `the minimum of ${c.column} is above its maximum`;
        if (
          c.mean !== null &&
          c.min !== null &&
          c.max !== null &&
          (c.mean < c.min - TOL * Math.abs(c.min) - TOL || c.mean > c.max + TOL * Math.abs(c.max) + TOL)
        )
          return `the mean of ${c.column} lies outside its range`;
      }
      return null;
    case 'range':
      for (const c of p.columns) {
        const bad = over(c.n, `the count of ${c.column}`);
        if (bad) return bad;
        if (c.min !== null && c.max !== null && c.min > c.max) return `the minimum of ${c.column} is above its maximum`;
      }
      return null;
    case 'histogram':
      for (const c of p.columns) {
        const total = [...c.counts, c.below, c.above].reduce<number>((s, n) => s + (n ?? 0), 0);
        const bad = over(total, `the histogram of ${c.column} counts`, c.counts.length + 2);
        if (bad) return bad;
      }
      return null;
    case 'groups': {
      const total = p.groups.reduce((s, g) => s + (g.count ?? 0), 0);
      const bad = over(total, 'the sum of the group counts', p.groups.length);
      if (bad) return bad;
      for (const g of p.groups)
        for (const n of g.n)
          if (n !== null && g.count !== null && n > roomAbove(g.count))
            return `a group reports ${n} values in ${g.count} rows`;
      return null;
    }
    case 'crossprod': {
      const bad = over(p.n, 'the count of complete rows');
      if (bad) return bad;
      if (p.comoment && (asymmetric(p.comoment) || negativeDiagonal(p.comoment)))
        return 'its cross-product matrix is not symmetric with a non-negative diagonal';
      return null;
    }
    case 'newton': {
      const bad = over(p.n, 'the count of complete rows') ?? over(p.n_positive, 'the count of positive rows');
      if (bad) return bad;
      if (p.n_positive != null && p.n_positive > roomAbove(p.n))
        return `it reports ${p.n_positive} positive rows out of ${p.n}`;
      if (p.hessian && (asymmetric(p.hessian) || negativeDiagonal(p.hessian)))
        return 'its Hessian is not symmetric with a non-negative diagonal';
      if (p.log_likelihood !== null && p.log_likelihood > TOL) return 'its log-likelihood is above zero';
      return null;
    }
  }
}
