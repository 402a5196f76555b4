// Numbers and field names as people read them in reports and on screen: thousands separators, human labels.
import type { Cell } from '../ops.ts';

/** A statistic: integers in full with thousands separators, others to `digits` significant digits; null as "—". */
export function formatNumber(v: number | null | undefined, digits = 4): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '—';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '−∞';
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return v.toLocaleString('en-US');
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-4 || a >= 1e15)) return v.toExponential(digits - 1);
  return Number(v.toPrecision(digits)).toLocaleString('en-US', { maximumFractionDigits: 12 });
}

/** A p-value as statistics packages print it: "<0.0001" below that, else 4 significant digits. */
export function formatPValue(v: number | null | undefined): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '—';
  return v < 1e-4 ? '<0.0001' : formatNumber(v);
}

/** Whether a column header or a metric's name is a p-value's. */
export const isPValueLabel = (label: Cell | undefined): boolean => typeof label === 'string' && /^p-value/.test(label);

/** Any cell as text: numbers through `formatNumber`, null as "—", booleans as yes/no. */
export function formatCell(v: Cell | undefined): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'number') return formatNumber(v);
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  return v;
}

/** Result field names as column headers and metric names (statsmodels / R `summary()` wording). */
export const FIELD_LABELS: Record<string, string> = {
  term: 'Term',
  estimate: 'Estimate',
  std_error: 'Std. error',
  statistic: 'Statistic',
  t: 't',
  z: 'z',
  p_value: 'p-value',
  ci_low: '95% CI low',
  ci_high: '95% CI high',
  odds_ratio: 'Odds ratio',
  or_ci_low: 'OR 95% CI low',
  or_ci_high: 'OR 95% CI high',
  r2: 'R²',
  adj_r2: 'Adjusted R²',
  residual_se: 'Residual std. error',
  df: 'Residual df',
  df_model: 'Model df',
  df_resid: 'Residual df',
  f_statistic: 'F-statistic',
  f_p_value: 'p-value (F)',
  log_likelihood: 'Log-likelihood',
  null_log_likelihood: 'Null log-likelihood',
  pseudo_r2: 'Pseudo R² (McFadden)',
  llr: 'LR statistic',
  llr_p_value: 'p-value (LR)',
  aic: 'AIC',
  bic: 'BIC',
  accuracy: 'Accuracy',
  precision: 'Precision',
  recall: 'Recall',
  f1: 'F1',
  auc: 'AUC',
  threshold: 'Threshold',
  rows_used: 'Rows used',
  n_train: 'Training rows',
  n_train_used: 'Rows fitted',
  n_test: 'Held-out rows',
  n_positive: 'Positive rows',
  iterations: 'Iterations',
  converged: 'Converged',
  rounds: 'Rounds',
  silhouette: 'Silhouette',
  silhouette_rows: 'Silhouette rows',
  sample_rows: 'Rows fitted',
  k: 'Clusters (k)',
  column: 'Column',
  name: 'Column',
  type: 'Type',
  count: 'Count',
  nulls: 'Nulls',
  distinct: 'Distinct',
  min: 'Min',
  max: 'Max',
  mean: 'Mean',
  sd: 'Std. dev.',
  variance: 'Variance',
  q1: 'Q1',
  median: 'Median',
  q3: 'Q3',
  top_values: 'Most frequent',
  cluster: 'Cluster',
  size: 'Size',
  suppressed: 'Withheld',
  method: 'Method',
  total_groups: 'Groups',
  suppressed_groups: 'Groups withheld',
  standardised: 'Standardised',
};

/** `std_error` → "Std. error"; an unknown name with underscores as spaces and a capital first letter. */
export function fieldLabel(name: string): string {
  const known = FIELD_LABELS[name];
  if (known) return known;
  const words = name.replaceAll('_', ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}
