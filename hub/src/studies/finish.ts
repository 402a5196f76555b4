// The last step of a study: name the runners that left it, and keep the per-site breakdown out where a policy says so.
import type { ErrorInfo, StudyResult } from '@simpul/protocol';
import type { RunnerRow } from '../db/schema.ts';
import { runnerDatasets } from '../store/views.ts';

export interface Departure {
  runnerId: string;
  round: number;
  error: ErrorInfo | null;
}

const nameOf = (runners: Map<string, RunnerRow>, id: string) => {
  const r = runners.get(id);
  return r ? `${r.name} (${id})` : id;
};

/** Runners whose advertised policy for `dataset` says `site_breakdown: false`. */
export function withholdingSites(dataset: string, sites: string[], runners: Map<string, RunnerRow>): string[] {
  return sites.filter((id) => {
    const r = runners.get(id);
    return r !== undefined && runnerDatasets(r).find((d) => d.name === dataset)?.policy?.site_breakdown === false;
  });
}

/**
 * The result as stored: with a warning per runner that left the study, and without any site's own numbers when one
 * of the combined sites withholds its own (the others' and the total would give its numbers away by subtraction).
 */
export function finalResult(
  result: StudyResult,
  dataset: string,
  departed: Departure[],
  runners: Map<string, RunnerRow>,
): { result: StudyResult; withheldBy: string[] } {
  const warnings = [...(result.warnings ?? [])];
  for (const d of departed) {
    const why = d.error ? `${d.error.code}: ${d.error.message}` : 'no partial';
    warnings.push(
      `${nameOf(runners, d.runnerId)} left the study in round ${d.round} (${why}); the result combines the other sites only`,
    );
  }
  const withheldBy = withholdingSites(dataset, result.sites, runners);
  if (withheldBy.length) {
    warnings.push(
      `per-site breakdown withheld: the policy of ${withheldBy.map((id) => nameOf(runners, id)).join(', ')} keeps site-level results private`,
    );
  }
  // An empty per_site fits every analysis's result shape.
  const out = {
    ...result,
    ...(warnings.length ? { warnings } : {}),
    ...(withheldBy.length ? { per_site: [] } : {}),
  } as StudyResult;
  return { result: out, withheldBy };
}
