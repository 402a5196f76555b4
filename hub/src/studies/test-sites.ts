// Test support: sites that speak the runner protocol over HTTP (register, claim, post a partial), and partials of
// small known samples, so that the hub's study machinery is exercised end to end without runner processes.
import { PROTOCOL_VERSION, type DatasetPolicy, type FederatedRoundParams, type TaskOffer } from '@simpul/protocol';
import { call } from '../testing/http.ts';
import { waitFor } from '../testing/support.ts';

export interface Site {
  name: string;
  runner_id: string;
  token: string;
}

export async function registerSite(
  base: string,
  key: string,
  name: string,
  dataset: string | null,
  policy?: DatasetPolicy,
): Promise<Site> {
  const datasets =
    dataset === null
      ? []
      : [
          {
            name: dataset,
            columns: [{ name: 'x', type: 'DOUBLE', kind: 'number' }],
            row_count: 3,
            ...(policy ? { policy } : {}),
          },
        ];
  const r = await call(base, 'POST', '/api/v1/register', {
    body: { enrollment_key: key, name, protocol_version: PROTOCOL_VERSION, datasets },
  });
  if (r.status !== 201) throw new Error(`register failed: ${r.status} ${JSON.stringify(r.body)}`);
  return { name, runner_id: r.body.runner_id, token: r.body.token };
}

/** Claims this site's next offer (the HTTP long-poll path), waiting until there is one. */
export async function nextOffer(base: string, site: Site, timeoutMs = 20_000): Promise<TaskOffer> {
  return waitFor(
    `an offer for ${site.name}`,
    async () => {
      const r = await call(base, 'GET', `/api/v1/tasks?runner_id=${site.runner_id}&wait=1`, { token: site.token });
      if (r.status !== 200) throw new Error(`claim failed: ${r.status} ${JSON.stringify(r.body)}`);
      return (r.body.tasks as TaskOffer[])[0];
    },
    timeoutMs,
    10,
  );
}

/** Keeps the site alive (a heartbeat without leases). */
export async function ping(base: string, site: Site): Promise<void> {
  const r = await call(base, 'POST', '/api/v1/ping', { token: site.token, body: { runner_id: site.runner_id } });
  if (r.status !== 200) throw new Error(`ping failed: ${r.status}`);
}

export async function post(
  base: string,
  site: Site,
  offer: TaskOffer,
  body: { result?: unknown; error?: { code: string; message: string } },
) {
  const status = body.error ? 'failed' : 'succeeded';
  const r = await call(base, 'POST', '/api/v1/result', {
    token: site.token,
    body: { task_id: offer.task_id, lease_token: offer.lease_token, status, ...body },
  });
  if (r.status !== 200) throw new Error(`result refused: ${r.status} ${JSON.stringify(r.body)}`);
}

const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

/** The partial a runner returns for a round, computed here from the site's values of column x. */
export function partialFor(params: FederatedRoundParams, xs: number[], k = 0) {
  const head = {
    analysis: 'federated_round',
    step: params.step,
    study_id: params.study_id,
    round: params.round,
    rows: xs.length,
  };
  const few = xs.length < k;
  switch (params.step) {
    case 'moments': {
      const m = mean(xs);
      const stats = few
        ? { n: null, mean: null, m2: null, min: null, max: null, suppressed: true }
        : {
            n: xs.length,
            mean: m,
            m2: xs.reduce((s, x) => s + (x - m) ** 2, 0),
            min: Math.min(...xs),
            max: Math.max(...xs),
            suppressed: false,
          };
      return { ...head, columns: params.columns.map((column) => ({ column, ...stats })) };
    }
    case 'range':
      return {
        ...head,
        columns: params.columns.map((column) => ({
          column,
          n: xs.length,
          min: Math.min(...xs),
          max: Math.max(...xs),
          suppressed: false,
        })),
      };
    case 'histogram':
      return {
        ...head,
        columns: params.columns.map((b) => {
          const w = (b.max - b.min) / b.bins;
          const counts = new Array<number>(b.bins).fill(0);
          for (const x of xs) counts[Math.min(b.bins - 1, Math.floor((x - b.min) / w))]++;
          return { ...b, counts, below: 0, above: 0 };
        }),
      };
    default:
      throw new Error(`no test partial for step ${params.step}`);
  }
}
