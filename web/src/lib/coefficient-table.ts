// A regression's coefficients as a table, statsmodels-style: estimate, SE, t or z, p, 95 % CI (and odds ratios).
// Columns a result lacks (older runners send no p-values or intervals) are left out rather than shown empty.
import type { Coefficient } from '@simpul/protocol';

type Cell = string | number | null;

/** A p-value as statsmodels and R print it: tiny ones as "<0.0001" (the exact value stays in the JSON). */
export function pValue(p: number | null | undefined): Cell {
  if (p === null || p === undefined) return null;
  return p < 1e-4 ? '<0.0001' : p;
}

export function coefficientTable(
  coefficients: Coefficient[],
  statistic: 't' | 'z',
  odds = false,
): { head: string[]; rows: Cell[][] } {
  const has = (k: keyof Coefficient) => coefficients.some((c) => c[k] !== undefined);
  const cols: { head: string; cell: (c: Coefficient) => Cell }[] = [
    { head: 'Estimate', cell: (c) => c.estimate },
    { head: 'Std. error', cell: (c) => c.std_error },
    { head: statistic, cell: (c) => c.statistic },
  ];
  if (has('p_value')) cols.push({ head: `P>|${statistic}|`, cell: (c) => pValue(c.p_value) });
  if (has('ci_low')) {
    cols.push(
      { head: '95 % CI low', cell: (c) => c.ci_low ?? null },
      { head: '95 % CI high', cell: (c) => c.ci_high ?? null },
    );
  }
  if (odds && has('odds_ratio')) {
    cols.push({ head: 'Odds ratio', cell: (c) => c.odds_ratio ?? null });
    if (has('or_ci_low'))
      cols.push(
        { head: 'OR CI low', cell: (c) => c.or_ci_low ?? null },
        { head: 'OR CI high', cell: (c) => c.or_ci_high ?? null },
      );
  }
  return {
    head: ['Term', ...cols.map((c) => c.head)],
    rows: coefficients.map((c) => [c.term, ...cols.map((col) => col.cell(c))]),
  };
}
