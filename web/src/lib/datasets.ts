// Which datasets an analyst can pick, from the runners that are online, and how a pick is written down.
import type { DatasetInfo, RunnerView } from '@simpul/protocol';

/** A dataset on one runner, or on any runner that has it (`runner_id: null`). */
export interface Target {
  runner_id: string | null;
  dataset: string;
}

export interface DatasetChoice extends Target {
  value: string;
  label: string;
  info: DatasetInfo;
}

export interface DatasetGroup {
  label: string;
  choices: DatasetChoice[];
}

const ANY = '*';

/** `runner_id/dataset`, or `*\/dataset` for any runner. Ids and dataset names never contain a slash. */
export function encodeTarget(t: Target): string {
  return `${t.runner_id ?? ANY}/${t.dataset}`;
}

export function decodeTarget(value: string): Target | null {
  const i = value.indexOf('/');
  if (i <= 0 || i === value.length - 1) return null;
  const runner = value.slice(0, i);
  return { runner_id: runner === ANY ? null : runner, dataset: value.slice(i + 1) };
}

export const isUsable = (r: RunnerView) => r.online && !r.revoked;

const byName = <T extends { name: string }>(a: T, b: T) => a.name.localeCompare(b.name);

/** Choices for the Dataset picker: "any runner" first, then one group per online runner. */
export function datasetGroups(runners: Iterable<RunnerView>): DatasetGroup[] {
  const online = [...runners].filter(isUsable).sort(byName);
  const any = new Map<string, { info: DatasetInfo; runners: number }>();
  const groups: DatasetGroup[] = [];
  for (const r of online) {
    const ok = r.datasets.filter((d) => !d.error).sort(byName);
    if (ok.length === 0) continue;
    groups.push({
      label: `Runner ${r.name}`,
      choices: ok.map((d) => ({
        runner_id: r.runner_id,
        dataset: d.name,
        value: encodeTarget({ runner_id: r.runner_id, dataset: d.name }),
        label: `${d.name} on ${r.name}`,
        info: d,
      })),
    });
    for (const d of ok) {
      const seen = any.get(d.name);
      any.set(d.name, { info: seen?.info ?? d, runners: (seen?.runners ?? 0) + 1 });
    }
  }
  if (any.size === 0) return [];
  const anyGroup: DatasetGroup = {
    label: 'Any runner with this dataset',
    choices: [...any.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, { info, runners }]) => ({
        runner_id: null,
        dataset: name,
        value: encodeTarget({ runner_id: null, dataset: name }),
        label: `${name} (any runner, ${runners} online)`,
        info,
      })),
  };
  return [anyGroup, ...groups];
}

/** The schema of a picked dataset, from the runner named or from any runner that advertises it. */
export function findDataset(runners: Iterable<RunnerView>, t: Target): DatasetInfo | null {
  let fallback: DatasetInfo | null = null;
  for (const r of runners) {
    if (t.runner_id && r.runner_id !== t.runner_id) continue;
    const d = r.datasets.find((x) => x.name === t.dataset && !x.error);
    if (!d) continue;
    if (isUsable(r)) return d;
    fallback ??= d;
  }
  return fallback;
}
