// PDF reports (pdfkit): a title block, then summary tables and vector charts of the data or of an analysis result.
import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import type { AnalysisResult, DescribeResult } from '@simpul/protocol';
import PDFDocument from 'pdfkit';
import { Page, fmt } from './pdf-draw.ts';
import { resultTable } from './result-table.ts';

export interface ReportHeader {
  title: string;
  dataset: string;
  filter: string; // readable text of the filter
  rows: number;
  notes?: string[];
}

const TITLES: Record<AnalysisResult['analysis'], string> = {
  describe: 'Summary statistics',
  correlation: 'Correlation',
  group_by: 'Grouped aggregates',
  linear_regression: 'Linear regression',
  logistic_regression: 'Logistic regression',
  kmeans: 'k-means clustering',
};

export const analysisTitle = (kind: AnalysisResult['analysis']): string => TITLES[kind];

async function writePdf(outPath: string, header: ReportHeader, body: (page: Page) => void): Promise<void> {
  const doc = new PDFDocument({ size: 'A4', margin: 48, info: { Title: header.title, Creator: 'Simpul' } });
  const out = createWriteStream(outPath);
  doc.pipe(out);
  const page = new Page(doc);
  page.heading(header.title, 18);
  page.para(`Dataset: ${header.dataset}`);
  page.para(`Filter: ${header.filter}`);
  page.para(`Rows: ${header.rows}`);
  page.para(`Generated: ${new Date().toISOString()}`, 8, '#666666');
  for (const n of header.notes ?? []) page.para(`Note: ${n}`, 8, '#a05a00');
  body(page);
  doc.end();
  await finished(out);
}

function describeSections(page: Page, r: DescribeResult): void {
  const numeric = r.columns.filter((c) => c.kind === 'number');
  const other = r.columns.filter((c) => c.kind !== 'number');
  if (numeric.length) {
    page.heading('Numeric columns');
    page.table(
      ['column', 'count', 'nulls', 'mean', 'sd', 'min', 'q1', 'median', 'q3', 'max'],
      numeric.map((c) => [c.name, c.count, c.nulls, c.mean, c.sd, c.min, c.q1, c.median, c.q3, c.max]),
    );
  }
  if (other.length) {
    page.heading('Other columns');
    page.table(
      ['column', 'type', 'count', 'nulls', 'distinct', 'min', 'max', 'most frequent'],
      other.map((c) => [
        c.name,
        c.type,
        c.count,
        c.nulls,
        c.distinct,
        c.min,
        c.max,
        c.top
          ?.slice(0, 3)
          .map((t) => `${String(t.value)} (${t.count})`)
          .join(', ') ?? null,
      ]),
    );
  }
  const hists = r.charts.histograms.slice(0, 12);
  if (hists.length) {
    page.heading('Distributions');
    for (let i = 0; i < hists.length; i += 2) {
      const pair = hists.slice(i, i + 2);
      page.band(150, 2, (slot, j) => {
        const h = pair[j];
        if (h) page.histogram(slot, h.column, h.edges, h.counts);
      });
    }
  }
}

function analysisSections(page: Page, r: AnalysisResult): void {
  const full = { h: 220 };
  switch (r.analysis) {
    case 'describe':
      return describeSections(page, r);
    case 'correlation':
      for (const hm of r.charts.heatmaps)
        page.heatmap(`${hm.method === 'pearson' ? 'Pearson' : 'Spearman'} correlation`, hm.columns, hm.values);
      page.heading('Matrix');
      break;
    case 'group_by':
      page.para(
        `${r.total_groups} groups${r.truncated ? ` (first ${r.groups.length} shown)` : ''}; ${r.suppressed_groups} suppressed (smaller than the minimum group size).`,
      );
      page.band(full.h, 1, (slot) =>
        page.bars(
          slot,
          `${r.charts.bar.measure} by ${r.group_by.join(', ')}`,
          r.charts.bar.labels,
          r.charts.bar.values,
        ),
      );
      page.heading('Groups');
      break;
    case 'linear_regression': {
      page.para(
        `${r.target} ~ ${r.features.join(' + ')}   ·   R² ${fmt(r.r2)}   ·   adjusted R² ${fmt(r.adj_r2)}   ·   residual SE ${fmt(r.residual_se)} on ${r.df} df`,
      );
      if (r.f_statistic !== undefined)
        page.para(
          `F ${fmt(r.f_statistic)} on ${r.df_model ?? r.features.length} and ${r.df} df (p ${fmt(r.f_p_value ?? null)})   ·   log-likelihood ${fmt(r.log_likelihood ?? null)}   ·   AIC ${fmt(r.aic ?? null)}   ·   BIC ${fmt(r.bic ?? null)}   ·   n ${r.rows_used}`,
        );
      const res = r.residuals;
      page.para(
        `Residuals: min ${fmt(res.min)}, q1 ${fmt(res.q1)}, median ${fmt(res.median)}, q3 ${fmt(res.q3)}, max ${fmt(res.max)}`,
      );
      const sc = r.charts.scatter;
      if (sc)
        page.band(full.h, 1, (slot) =>
          page.xy(slot, `Actual ${r.target} (y) against fitted (x)`, sc.x, sc.y, { line: r.charts.fit_line }),
        );
      page.heading('Coefficients');
      break;
    }
    case 'logistic_regression': {
      const m = r.metrics;
      page.para(
        `${r.target} = ${String(r.positive)} against the rest, on ${r.features.join(', ')}; trained on ${r.n_train_used} of ${r.n_train} rows, evaluated on ${r.n_test || r.n_train} ${r.evaluated_on} rows.`,
      );
      page.para(
        `Accuracy ${fmt(m.accuracy)} · precision ${fmt(m.precision)} · recall ${fmt(m.recall)} · F1 ${fmt(m.f1)} · AUC ${fmt(m.auc)} (threshold ${r.threshold})`,
      );
      if (r.log_likelihood !== undefined)
        page.para(
          `Log-likelihood ${fmt(r.log_likelihood ?? null)} · null ${fmt(r.null_log_likelihood ?? null)} · McFadden R² ${fmt(r.pseudo_r2 ?? null)} · LLR p ${fmt(r.llr_p_value ?? null)} · AIC ${fmt(r.aic ?? null)} · BIC ${fmt(r.bic ?? null)} (on the ${r.n_train_used} fitted rows)`,
        );
      page.heading('Confusion matrix');
      const [neg, pos] = r.charts.confusion.labels;
      page.table(
        ['actual \\ predicted', neg, pos],
        [
          [neg, r.confusion.tn, r.confusion.fp],
          [pos, r.confusion.fn, r.confusion.tp],
        ],
      );
      const roc = r.charts.roc;
      page.band(full.h, 1, (slot) =>
        page.xy(
          slot,
          `ROC curve (AUC ${fmt(roc.auc)}): true positive rate against false positive rate`,
          roc.fpr,
          roc.tpr,
          { points: false, diagonal: true },
        ),
      );
      page.heading('Coefficients');
      break;
    }
    case 'kmeans': {
      page.para(
        `k = ${r.k} on ${r.features.join(', ')}${r.standardised ? ' (standardised)' : ''}; silhouette ${fmt(r.silhouette)} on ${r.silhouette_rows} rows; centres fitted on ${r.sample_rows} rows in ${r.iterations} iterations.`,
      );
      const sc = r.charts.scatter;
      if (sc)
        page.band(full.h, 1, (slot) =>
          page.xy(slot, `Clusters: ${sc.y_label} against ${sc.x_label}`, sc.x, sc.y, { group: sc.group }),
        );
      else
        page.band(full.h, 1, (slot) =>
          page.bars(
            slot,
            'Cluster sizes',
            r.sizes.map((_, i) => String(i + 1)),
            r.sizes,
          ),
        );
      page.heading("Clusters (centres in the features' units)");
      break;
    }
  }
  const t = resultTable(r);
  page.table(t.columns, t.rows);
}

/** A report of an analysis result. */
export async function analysisReport(r: AnalysisResult, outPath: string, header: ReportHeader): Promise<void> {
  await writePdf(outPath, { ...header, notes: [...(header.notes ?? []), ...(r.warnings ?? [])] }, (page) =>
    analysisSections(page, r),
  );
}

/** A report of the data itself: its summary statistics and distributions. */
export async function dataReport(summary: DescribeResult, outPath: string, header: ReportHeader): Promise<void> {
  await writePdf(outPath, header, (page) => describeSections(page, summary));
}
