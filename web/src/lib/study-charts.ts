// Study results → ECharts options (coefficients, group counts, site-by-site bars), each with a sentence for screen readers.
import type { Coefficient, StudyGroup } from '@simpul/protocol';
import { CLUSTER_COLOURS, type ChartSpec } from './chart-options.ts';
import { cellText, stat } from './format.ts';

const ACCENT = '#1f5f8b';

/** What every chart shares; tooltips draw on the canvas (a strict CSP refuses HTML tooltips' inline styles). */
function option(description: string, extra: Record<string, unknown>): Record<string, unknown> {
  return {
    animation: false,
    aria: { enabled: true, label: { description } },
    textStyle: { fontFamily: 'system-ui, sans-serif' },
    tooltip: { renderMode: 'richText', confine: true, trigger: 'axis' },
    ...extra,
  };
}

const height = (bars: number) => Math.round(Math.max(200, Math.min(900, 70 + bars * 30)));

/** Each term's t or z statistic: how many standard errors its estimate lies from zero. */
export function coefficientChart(coefficients: Coefficient[], statistic: 't' | 'z'): ChartSpec {
  const terms = coefficients.map((c) => c.term);
  const values = coefficients.map((c) => c.statistic);
  const strongest = coefficients
    .filter((c) => c.term !== '(intercept)' && c.statistic !== null)
    .sort((a, b) => Math.abs(b.statistic ?? 0) - Math.abs(a.statistic ?? 0))[0];
  const description =
    `${statistic} statistic of each of ${terms.length} terms (estimate divided by its standard error; beyond ±2 is unlikely by chance)` +
    (strongest ? `; the strongest feature is ${strongest.term} at ${stat(strongest.statistic, 3)}.` : '.');
  return {
    description,
    height: height(terms.length),
    option: option(description, {
      grid: { left: 12, right: 24, top: 12, bottom: 36, outerBoundsMode: 'same' },
      xAxis: { type: 'value', name: `${statistic} statistic`, nameLocation: 'middle', nameGap: 26 },
      yAxis: { type: 'category', data: terms, inverse: true, axisLabel: { width: 160, overflow: 'truncate' } },
      series: [{ type: 'bar', name: statistic, data: values, itemStyle: { color: ACCENT }, barMaxWidth: 28 }],
    }),
  };
}

/** Row count per group; a suppressed group is a gap (its count did not leave a site). */
export function groupCountChart(groups: StudyGroup[], max = 50): ChartSpec {
  const shown = groups.slice(0, max);
  const labels = shown.map((g) => g.key.map((k) => cellText(k)).join(' · '));
  const hidden = shown.filter((g) => g.suppressed).length;
  const description =
    `Rows per group for ${groups.length > shown.length ? `the first ${shown.length} of ${groups.length}` : shown.length} groups, all sites combined` +
    (hidden ? `; ${hidden} group(s) are suppressed by a site's minimum group size and shown empty.` : '.');
  return {
    description,
    height: height(shown.length),
    option: option(description, {
      grid: { left: 12, right: 24, top: 12, bottom: 36, outerBoundsMode: 'same' },
      xAxis: { type: 'value', minInterval: 1, name: 'rows', nameLocation: 'middle', nameGap: 26 },
      yAxis: { type: 'category', data: labels, inverse: true, axisLabel: { width: 180, overflow: 'truncate' } },
      series: [
        { type: 'bar', name: 'rows', data: shown.map((g) => g.count), itemStyle: { color: ACCENT }, barMaxWidth: 28 },
      ],
    }),
  };
}

/** Grouped bars: one group per category, one bar per series (sites as categories, or as series). */
export function groupedBars(
  categories: string[],
  series: { name: string; values: (number | null)[] }[],
  what: string,
): ChartSpec {
  const description = `${what}: ${series.map((s) => `${s.name}: ${s.values.map((v, i) => `${categories[i]} ${stat(v)}`).join(', ')}`).join('; ')}.`;
  return {
    description,
    height: 260,
    option: option(description, {
      color: CLUSTER_COLOURS,
      grid: { left: 56, right: 16, top: series.length > 1 ? 36 : 16, bottom: 32 },
      legend: series.length > 1 ? { top: 0, type: 'scroll' } : undefined,
      xAxis: { type: 'category', data: categories, axisLabel: { hideOverlap: true } },
      yAxis: { type: 'value' },
      series: series.map((s) => ({ type: 'bar', name: s.name, data: s.values, barMaxWidth: 40 })),
    }),
  };
}
