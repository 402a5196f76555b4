// Scoring a fitted logistic model in DuckDB: confusion matrix at a threshold, ROC curve (≤ 200 points) and exact AUC.
import type { LogisticRegressionResult } from '@simpul/protocol';
import { checkAborted } from './errors.ts';
import { type Sql, count, num, suppress } from './sql.ts';
import type { SqlSource } from './types.ts';

type Evaluation = Pick<LogisticRegressionResult, 'metrics' | 'confusion' | 'charts'>;

const ratio = (a: number, b: number): number | null => (b > 0 ? a / b : null);

/**
 * `scored` is a subquery of (y, eta) rows, eta the linear predictor, built with `sql` (whose parameters it uses).
 * Working on eta rather than the probability avoids exp() overflow and keeps ties exact.
 */
export async function evaluate(
  src: SqlSource,
  sql: Sql,
  scored: string,
  threshold: number,
  labels: [string, string],
): Promise<Evaluation> {
  // p >= threshold  ⇔  eta >= logit(threshold)
  const cut =
    threshold <= 0
      ? 'TRUE'
      : threshold >= 1
        ? 'FALSE'
        : `eta >= ${sql.bind(Math.log(threshold / (1 - threshold)), 'DOUBLE')}`;
  // Groups of equal scores, cumulated from the highest score down: each group is one step of the ROC curve.
  // Keep ≤ 198 evenly spaced steps plus the last; the trapezoid area over all steps is the AUC (ties count half).
  const text = `WITH s AS (SELECT y, eta, ${cut} AS hit FROM ${scored}),
    cm AS (SELECT count(*) FILTER (WHERE y = 1 AND hit) AS tp, count(*) FILTER (WHERE y = 0 AND hit) AS fp,
                  count(*) FILTER (WHERE y = 0 AND NOT hit) AS tn, count(*) FILTER (WHERE y = 1 AND NOT hit) AS fn FROM s),
    g AS (SELECT eta, sum(y)::DOUBLE AS pos, (count(*) - sum(y))::DOUBLE AS neg FROM s GROUP BY eta),
    c AS (SELECT sum(pos) OVER w AS tp, sum(neg) OVER w AS fp, row_number() OVER w AS i FROM g
          WINDOW w AS (ORDER BY eta DESC ROWS UNBOUNDED PRECEDING)),
    d AS (SELECT i, tp, fp, count(*) OVER () AS m, coalesce(lag(tp) OVER (ORDER BY i), 0) AS ltp,
                 coalesce(lag(fp) OVER (ORDER BY i), 0) AS lfp FROM c),
    r AS (SELECT i, tp, fp, m, sum((fp - lfp) * (tp + ltp) / 2.0) OVER () AS area FROM d
          QUALIFY i = m OR floor(i * 198 / m) <> floor((i - 1) * 198 / m))
    SELECT r.i, r.tp, r.fp, r.m, r.area, cm.* EXCLUDE (tp, fp), cm.tp AS ctp, cm.fp AS cfp
    FROM cm LEFT JOIN r ON TRUE ORDER BY r.i`;
  const rows = await src.query(text, sql.params);
  checkAborted(src.signal);
  const first = rows[0] ?? {};
  const tp = count(first.ctp);
  const fp = count(first.cfp);
  const tn = count(first.tn);
  const fn = count(first.fn);
  const last = rows[rows.length - 1] ?? {};
  const P = num(last.tp) ?? 0;
  const N = num(last.fp) ?? 0;
  const auc = P > 0 && N > 0 ? (num(first.area) ?? 0) / (P * N) : null;
  const points = rows.filter((r) => r.i !== null && r.i !== undefined);
  const fpr = [0, ...points.map((r) => (N > 0 ? (num(r.fp) ?? 0) / N : 0))];
  const tpr = [0, ...points.map((r) => (P > 0 ? (num(r.tp) ?? 0) / P : 0))];

  const precision = ratio(tp, tp + fp);
  const recall = ratio(tp, tp + fn);
  const f1 =
    precision !== null && recall !== null && precision + recall > 0
      ? (2 * precision * recall) / (precision + recall)
      : null;
  const k = src.minGroupSize;
  const confusion = { tp: suppress(tp, k), fp: suppress(fp, k), tn: suppress(tn, k), fn: suppress(fn, k) };
  return {
    metrics: { accuracy: ratio(tp + tn, tp + tn + fp + fn), precision, recall, f1, auc },
    confusion,
    charts: {
      roc: { fpr, tpr, auc },
      confusion: {
        labels,
        matrix: [
          [confusion.tn, confusion.fp],
          [confusion.fn, confusion.tp],
        ],
      },
    },
  };
}
