// Analysis results → ECharts options, each with a sentence that says what the chart shows (for screen readers).
import type {
  CorrelationResult,
  DescribeColumn,
  GroupByResult,
  Histogram,
  LinearRegressionResult,
  LogisticRegressionResult,
  Scatter,
} from '@simpul/protocol';
import { histogramBars, signed } from './column-summary.ts';
import { stat } from './format.ts';

export interface ChartSpec {
  option: Record<string, unknown>;
  /** Read out by screen readers (ECharts' aria description) and shown as the figure's caption. */
  description: string;
  height: number; // px
}

const ACCENT = '#1f5f8b';
const MUTED = '#5a6876';
/** Okabe–Ito: told apart by people with any common colour-vision deficiency. */
export const CLUSTER_COLOURS = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#000000'];
/** Negative through zero to positive correlation. */
const DIVERGING = ['#2f6db3', '#f4f4f4', '#c0392b'];
const SEQUENTIAL = ['#eef4fa', '#1f5f8b'];

/** What every chart shares. Tooltips draw on the canvas (richText): HTML tooltips carry inline styles a strict CSP refuses. */
function base(description: string, extra: Record<string, unknown>): Record<string, unknown> {
  return {
    animation: false,
    aria: { enabled: true, label: { description } },
    textStyle: { fontFamily: 'system-ui, sans-serif' },
    tooltip: { renderMode: 'richText', confine: true },
    ...extra,
  };
}

const axisName = (name: string) => ({ name, nameLocation: 'middle', nameGap: 32, nameTextStyle: { color: MUTED } });
const clampHeight = (px: number, min: number, max: number) => Math.round(Math.max(min, Math.min(max, px)));
const maxIndex = (xs: (number | null)[]) =>
  xs.reduce<number>((best, v, i) => (v !== null && (best < 0 || v > (xs[best] ?? -Infinity)) ? i : best), -1);

/** A histogram of one numeric column; with the column's summary, a column of one or two values gets a bar per value. */
export function histogramChart(h: Histogram, column?: DescribeColumn): ChartSpec {
  const { labels, counts, byValue } = histogramBars(h, column);
  const top = maxIndex(counts);
  const hidden = counts.filter((c) => c === null).length;
  const what = byValue
    ? `Bar chart of ${h.column}, which holds ${labels.length === 1 ? 'one value' : `two values, ${labels.join(' and ')}`}`
    : `Histogram of ${h.column}: ${counts.length} bins from ${signed(h.edges[0])} to ${signed(h.edges[h.edges.length - 1])}`;
  const fullest = byValue ? `the larger, ${labels[top]},` : `the fullest bin, ${labels[top]},`;
  const description =
    what +
    (top >= 0 && labels.length > 1 ? `; ${fullest} holds ${stat(counts[top])} rows.` : '.') +
    (hidden > 0
      ? ` ${hidden} ${byValue ? 'bars are' : 'bins are'} suppressed by the data owner's minimum group size.`
      : '');
  return {
    description,
    height: 220,
    option: base(description, {
      grid: { left: 48, right: 12, top: 16, bottom: 28 },
      tooltip: { renderMode: 'richText', confine: true, trigger: 'axis' },
      xAxis: { type: 'category', data: labels, axisLabel: { hideOverlap: true }, axisTick: { alignWithLabel: true } },
      yAxis: { type: 'value', minInterval: 1 },
      series: [
        {
          type: 'bar',
          name: 'rows',
          data: counts,
          barCategoryGap: byValue ? '40%' : '4%',
          barMaxWidth: byValue ? 96 : undefined,
          itemStyle: { color: ACCENT },
        },
      ],
    }),
  };
}

type Heatmap = CorrelationResult['charts']['heatmaps'][number];

/** A heat map cell's label: its value to two decimals. */
const cellLabel = (p: { value?: unknown }) => {
  const v = Array.isArray(p.value) ? p.value[2] : null;
  return typeof v === 'number' ? v.toFixed(2) : '—';
};

export function correlationHeatmap(h: Heatmap): ChartSpec {
  const n = h.columns.length;
  const data: [number, number, number | null][] = [];
  let strongest: { a: string; b: string; v: number } | null = null;
  h.values.forEach((row, i) =>
    row.forEach((v, j) => {
      data.push([j, i, v === null ? null : Number(v.toFixed(4))]);
      if (i < j && v !== null && (!strongest || Math.abs(v) > Math.abs(strongest.v)))
        strongest = { a: h.columns[i], b: h.columns[j], v };
    }),
  );
  const s = strongest as { a: string; b: string; v: number } | null;
  const name = h.method === 'pearson' ? 'Pearson' : 'Spearman';
  const description =
    `${name} correlation of ${n} columns, from −1 (blue) to +1 (red)` +
    (s ? `; the strongest pair is ${s.a} and ${s.b} at ${stat(s.v, 3)}.` : '.');
  return {
    description,
    height: clampHeight(110 + n * 34, 300, 720),
    option: base(description, {
      grid: { left: 8, right: 8, top: 8, bottom: 64, outerBoundsMode: 'same' },
      xAxis: {
        type: 'category',
        data: h.columns,
        axisLabel: { rotate: n > 2 ? 30 : 0, interval: 0, width: 110, overflow: 'truncate' },
      },
      yAxis: { type: 'category', data: h.columns, inverse: true, axisLabel: { width: 130, overflow: 'truncate' } },
      visualMap: {
        min: -1,
        max: 1,
        orient: 'horizontal',
        left: 'center',
        bottom: 0,
        itemHeight: 160,
        inRange: { color: DIVERGING },
        text: ['+1', '−1'],
      },
      series: [{ type: 'heatmap', name, data, label: { show: n <= 12, fontSize: 11, formatter: cellLabel } }],
    }),
  };
}

export function groupBarChart(g: GroupByResult, max = 50): ChartSpec {
  const { labels, values, measure } = g.charts.bar;
  const shown = labels.slice(0, max);
  const vals = values.slice(0, max);
  const horizontal = shown.length > 8;
  // The largest of every group in the result, not only of the bars drawn.
  const top = maxIndex(values);
  const part = labels.length > shown.length;
  const description =
    `Bar chart of ${measure} for ${part ? `the first ${shown.length} of ${labels.length}` : shown.length} groups` +
    (top >= 0
      ? `; the largest${part ? ` of all ${labels.length}` : ''} is ${labels[top]} at ${stat(values[top])}${part && top >= shown.length ? ' (not drawn)' : ''}.`
      : '.');
  const category = {
    type: 'category',
    data: shown,
    axisLabel: { hideOverlap: !horizontal, width: 160, overflow: 'truncate' },
  };
  const value = { type: 'value', ...axisName(measure) };
  return {
    description,
    height: horizontal ? clampHeight(60 + shown.length * 24, 260, 1300) : 300,
    option: base(description, {
      grid: { left: 12, right: 24, top: 16, bottom: 48 },
      tooltip: { renderMode: 'richText', confine: true, trigger: 'axis' },
      xAxis: horizontal ? value : category,
      yAxis: horizontal ? { ...category, inverse: true } : value,
      series: [{ type: 'bar', name: measure, data: vals, itemStyle: { color: ACCENT }, barMaxWidth: 48 }],
    }),
  };
}

export function regressionScatter(r: LinearRegressionResult): ChartSpec | null {
  const s = r.charts.scatter;
  if (!s) return null;
  const points = s.x.map((x, i) => [x, s.y[i]]);
  const line = r.charts.fit_line ? r.charts.fit_line.x.map((x, i) => [x, r.charts.fit_line?.y[i] ?? null]) : [];
  const description =
    `Scatter of actual against fitted ${r.target} for ${points.length} sampled rows, with the line where they are equal` +
    (r.r2 !== null ? `; R² is ${stat(r.r2, 3)}.` : '.');
  return {
    description,
    height: 360,
    option: base(description, {
      grid: { left: 64, right: 16, top: 32, bottom: 48 },
      legend: { top: 0, data: ['rows', 'actual = fitted'] },
      xAxis: { type: 'value', scale: true, ...axisName(s.x_label) },
      yAxis: { type: 'value', scale: true, ...axisName(s.y_label), nameGap: 48 },
      series: [
        { type: 'scatter', name: 'rows', data: points, symbolSize: 5, itemStyle: { color: ACCENT, opacity: 0.55 } },
        {
          type: 'line',
          name: 'actual = fitted',
          data: line,
          showSymbol: false,
          itemStyle: { color: '#c0392b' },
          lineStyle: { color: '#c0392b', width: 2 },
        },
      ],
    }),
  };
}

export function rocChart(r: LogisticRegressionResult): ChartSpec {
  const { fpr, tpr, auc } = r.charts.roc;
  const description =
    `ROC curve of the model for ${String(r.positive)}: true positive rate against false positive rate` +
    (auc !== null ? `; the area under it (AUC) is ${stat(auc, 3)}, where 0.5 is chance and 1 is perfect.` : '.');
  return {
    description,
    height: 340,
    option: base(description, {
      grid: { left: 56, right: 16, top: 32, bottom: 48 },
      legend: { top: 0, data: ['model', 'chance'] },
      xAxis: { type: 'value', min: 0, max: 1, ...axisName('false positive rate') },
      yAxis: { type: 'value', min: 0, max: 1, ...axisName('true positive rate'), nameGap: 40 },
      series: [
        {
          type: 'line',
          name: 'model',
          data: fpr.map((x, i) => [x, tpr[i]]),
          showSymbol: false,
          itemStyle: { color: ACCENT },
          lineStyle: { color: ACCENT, width: 2 },
          areaStyle: { color: ACCENT, opacity: 0.12 },
        },
        {
          type: 'line',
          name: 'chance',
          data: [
            [0, 0],
            [1, 1],
          ],
          showSymbol: false,
          itemStyle: { color: MUTED },
          lineStyle: { color: MUTED, type: 'dashed' },
        },
      ],
    }),
  };
}

export function confusionChart(r: LogisticRegressionResult): ChartSpec {
  const { labels, matrix } = r.charts.confusion;
  const data: [number, number, number | null][] = [];
  let top = 0;
  matrix.forEach((row, i) =>
    row.forEach((v, j) => {
      data.push([j, i, v]);
      top = Math.max(top, v ?? 0);
    }),
  );
  const cells = matrix.flatMap((row, i) =>
    row.map((v, j) => `actual ${labels[i]}, predicted ${labels[j]}: ${stat(v)}`),
  );
  const description = `Confusion matrix on the ${r.evaluated_on === 'test' ? 'held-out test' : 'training'} rows; ${cells.join('; ')}.`;
  return {
    description,
    height: 300,
    option: base(description, {
      grid: { left: 8, right: 8, top: 8, bottom: 48, outerBoundsMode: 'same' },
      xAxis: { type: 'category', data: labels, ...axisName('predicted') },
      yAxis: { type: 'category', data: labels, inverse: true, ...axisName('actual') },
      visualMap: { min: 0, max: Math.max(1, top), show: false, inRange: { color: SEQUENTIAL } },
      series: [{ type: 'heatmap', name: 'rows', data, label: { show: true, fontSize: 16, fontWeight: 600 } }],
    }),
  };
}

export function clusterScatter(s: Scatter, k: number): ChartSpec {
  const groups = Array.from({ length: k }, () => [] as [number, number][]);
  s.x.forEach((x, i) => groups[s.group?.[i] ?? 0]?.push([x, s.y[i]]));
  const description =
    `Scatter of ${s.x.length} rows on ${s.x_label} and ${s.y_label}, coloured by cluster: ` +
    groups.map((g, i) => `cluster ${i + 1} has ${g.length} points`).join(', ') +
    '.';
  return {
    description,
    height: 380,
    option: base(description, {
      color: CLUSTER_COLOURS,
      grid: { left: 56, right: 16, top: 40, bottom: 48 },
      legend: { top: 0, type: 'scroll' },
      xAxis: { type: 'value', scale: true, ...axisName(s.x_label) },
      yAxis: { type: 'value', scale: true, ...axisName(s.y_label), nameGap: 40 },
      series: groups.map((g, i) => ({
        type: 'scatter',
        name: `cluster ${i + 1}`,
        data: g,
        symbolSize: 6,
        itemStyle: { opacity: 0.75 },
      })),
    }),
  };
}
