// The main table of each analysis result: what csv, xlsx and parquet exports of an analysis contain.
import { type AnalysisResult, type Cell, DESCRIBE_STATS, describeStats } from '@simpul/protocol';

export interface Table {
  columns: string[];
  rows: Cell[][];
}

export function resultTable(r: AnalysisResult): Table {
  switch (r.analysis) {
    case 'describe':
      return {
        columns: ['column', ...DESCRIBE_STATS, 'top_values'],
        rows: r.columns.map((c) => [
          c.name,
          ...describeStats(c),
          c.top ? c.top.map((t) => `${String(t.value)} (${t.count})`).join('; ') : null,
        ]),
      };
    case 'correlation': {
      const rows: Cell[][] = [];
      for (const method of ['pearson', 'spearman'] as const) {
        const m = r[method];
        if (m) r.columns.forEach((c, i) => rows.push([method, c, ...m[i]]));
      }
      return { columns: ['method', 'column', ...r.columns], rows };
    }
    case 'group_by':
      return {
        columns: [...r.group_by, 'count', ...r.aggregates.map((a) => a.name), 'suppressed'],
        rows: r.groups.map((g) => [...g.key, g.count, ...g.values, g.suppressed]),
      };
    case 'linear_regression':
    case 'logistic_regression': {
      // p-values, 95 % intervals and odds ratios when the result has them (older results do not).
      const extra = (['p_value', 'ci_low', 'ci_high', 'odds_ratio', 'or_ci_low', 'or_ci_high'] as const).filter((k) =>
        r.coefficients.some((c) => c[k] !== undefined),
      );
      return {
        columns: ['term', 'estimate', 'std_error', r.analysis === 'linear_regression' ? 't' : 'z', ...extra],
        rows: r.coefficients.map((c) => [
          c.term,
          c.estimate,
          c.std_error,
          c.statistic,
          ...extra.map((k) => c[k] ?? null),
        ]),
      };
    }
    case 'kmeans':
      return {
        columns: ['cluster', 'size', ...r.features],
        rows: r.centroids.map((c, i) => [i + 1, r.sizes[i], ...c]),
      };
  }
}

/** RFC 4180 CSV: quote fields that need it, double embedded quotes, CRLF line ends. */
export function toCsv(t: Table): string {
  const field = (v: Cell): string => {
    if (v === null) return '';
    const s = String(v);
    return /[",\r\n]/.test(s) || s !== s.trim() ? `"${s.replaceAll('"', '""')}"` : s;
  };
  return `${[t.columns, ...t.rows].map((row) => row.map(field).join(',')).join('\r\n')}\r\n`;
}
