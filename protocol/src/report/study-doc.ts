// A study's pooled result (federated-results.ts) as a report: the same sections as a single runner's, and its sites.
import type { StudyResult } from '../federated-results.ts';
import { NOTHING_WITHHELD, type ReportDoc, type ReportMeta, type ReportSection } from './document.ts';
import { coefficientsSection, LINEAR_METRICS, LOGISTIC_FIT, metricsSection } from './analysis-doc.ts';
import { fieldLabel } from './format.ts';

export const STUDY_TITLES: Record<StudyResult['analysis'], string> = {
  summary: 'Summary statistics (study)',
  histogram: 'Histograms (study)',
  group_by: 'Grouped aggregates (study)',
  correlation: 'Correlation (study)',
  linear_regression: 'Linear regression (study)',
  logistic_regression: 'Logistic regression (study)',
};

export function studyDescription(r: StudyResult, dataset: string): string {
  const on = `on ${dataset} at ${r.sites.length} sites`;
  switch (r.analysis) {
    case 'summary':
      return `Summary statistics of ${r.columns.map((c) => c.name).join(', ')} ${on}`;
    case 'histogram':
      return `Histograms of ${r.histograms.map((h) => h.column).join(', ')} ${on}`;
    case 'group_by':
      return `${r.aggregates.map((a) => a.name).join(', ') || 'count'} by ${r.group_by.join(', ')} ${on}`;
    case 'correlation':
      return `Correlation of ${r.columns.join(', ')} ${on}`;
    case 'linear_regression':
      return `${r.target} ~ ${r.features.join(' + ')} ${on}`;
    case 'logistic_regression':
      return `${r.target} = ${String(r.positive)} ~ ${r.features.join(' + ')} ${on}`;
  }
}

function resultSections(r: StudyResult): ReportSection[] {
  switch (r.analysis) {
    case 'summary':
      return [
        {
          name: 'Columns',
          title: 'Pooled summary statistics',
          table: {
            columns: ['name', 'count', 'mean', 'sd', 'variance', 'min', 'max'].map(fieldLabel),
            rows: r.columns.map((c) => [c.name, c.count, c.mean, c.sd, c.variance, c.min, c.max]),
          },
        },
      ];
    case 'histogram':
      return [
        {
          name: 'Histograms',
          title: 'Pooled histograms',
          text: ['Quartiles are interpolated inside the shared bins: off by at most one bin width.'],
          chart: {
            kind: 'histograms',
            items: r.histograms.map((h) => ({ title: h.column, edges: h.edges, counts: h.counts })),
          },
          table: {
            columns: ['Column', 'Bin from', 'Bin to', 'Count'],
            rows: r.histograms.flatMap((h) => h.counts.map((n, i) => [h.column, h.edges[i], h.edges[i + 1], n])),
          },
        },
      ];
    case 'group_by':
      return [
        {
          name: 'Groups',
          title: 'Pooled groups',
          text: [`${r.total_groups} groups; ${r.suppressed_groups} withheld at one or more sites.`],
          table: {
            columns: [...r.group_by, 'Count', ...r.aggregates.map((a) => a.name), 'Withheld'],
            rows: r.groups.map((g) => [...g.key, g.count, ...g.values, g.suppressed]),
          },
        },
      ];
    case 'correlation':
      return [
        {
          name: 'Pearson',
          title: 'Pooled Pearson correlation',
          chart: { kind: 'heatmap', title: 'Pearson correlation', labels: r.columns, values: r.pearson },
          table: { columns: ['Column', ...r.columns], rows: r.columns.map((c, i) => [c, ...r.pearson[i]]) },
        },
      ];
    case 'linear_regression':
      return [coefficientsSection(r.coefficients, 't'), metricsSection(r, LINEAR_METRICS)];
    case 'logistic_regression':
      return [
        coefficientsSection(r.coefficients, 'z'),
        metricsSection(r, [
          ...LOGISTIC_FIT,
          'n_positive',
          'df_model',
          'df_resid',
          'converged',
          'iterations',
          'rounds',
          'rows_used',
        ]),
      ];
  }
}

/** Each site's rows and whether it was left out, and a linear fit's own coefficients at each site when it sent them. */
function sitesSection(r: StudyResult, names: Map<string, string>): ReportSection {
  const perSite = new Map(r.per_site.map((s) => [s.site, s]));
  const suppressed = new Set('suppressed_sites' in r ? r.suppressed_sites : []);
  const terms = r.analysis === 'linear_regression' ? r.coefficients.map((c) => c.term) : [];
  const own = (site: string): (number | null)[] => {
    const p = perSite.get(site);
    const coefs = p && 'coefficients' in p ? p.coefficients : null;
    return terms.map((_, i) => coefs?.[i] ?? null);
  };
  return {
    name: 'Sites',
    title: 'Sites',
    text: r.per_site.length
      ? undefined
      : ["Per-site numbers are withheld under a site's policy; only totals are shown."],
    table: {
      columns: ['Runner', 'Runner id', 'Rows', 'Left out', ...terms.map((t) => `Own fit: ${t}`)],
      rows: r.sites.map((s) => [names.get(s) ?? s, s, perSite.get(s)?.rows ?? null, suppressed.has(s), ...own(s)]),
    },
  };
}

/** What the sites' release rules left out of the pooled result. */
function studyNotes(r: StudyResult): string[] {
  const left = 'suppressed_sites' in r ? r.suppressed_sites.length : 0;
  const lines = [
    left ? `Disclosure control: ${left} of ${r.sites.length} sites left out under their release rules.` : null,
    r.per_site.length ? null : "Disclosure control: per-site numbers withheld under a site's policy.",
  ].filter((l): l is string => l !== null);
  return lines.length ? lines : [NOTHING_WITHHELD];
}

/** The whole report of a study; `names` maps runner ids to names. */
export function studyDoc(
  r: StudyResult,
  meta: Omit<ReportMeta, 'title' | 'description' | 'runner'>,
  names: Map<string, string>,
): ReportDoc {
  const sections = resultSections(r);
  sections.push(sitesSection(r, names));
  return {
    meta: {
      title: `${STUDY_TITLES[r.analysis]}: ${meta.dataset}`,
      description: studyDescription(r, meta.dataset),
      runner: r.sites.map((s) => names.get(s) ?? s).join(', '),
      rows: r.rows_used,
      ...meta,
    },
    notes: [...studyNotes(r), ...(r.warnings ?? [])],
    sections,
  };
}
