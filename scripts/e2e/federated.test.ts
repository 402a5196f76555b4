// Federated studies with real processes: one hub, three runners each holding an unequal slice of the patients file
// (the third with a minimum group size of 3), and a fourth runner holding the whole file for the pooled reference.
// Every combined result must equal the single-runner analysis of the pooled file.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PATIENTS_CSV, readCsv } from '../lib/data.ts';
import { analyse, Deviation, getStudy, runStudy, splitCsv, waitStudy } from '../lib/federated.ts';
import { HubProc } from '../lib/hub.ts';
import { waitFor } from '../lib/procs.ts';
import { RunnerProc } from '../lib/runner.ts';

const NUMBERS = ['age', 'bmi', 'systolic_bp', 'cholesterol'];
const FEATURES = ['age', 'bmi', 'cholesterol'];
const files = splitCsv(PATIENTS_CSV);
const dev = new Deviation();
let hub: HubProc;
const sites: RunnerProc[] = [];
let pooledRunner: RunnerProc;
let ids: string[] = [];

const patients = readCsv(PATIENTS_CSV);
/** Counts per bin as the sites bin: bin = min(floor((x − min) / width), bins − 1), values outside the edges left out. */
function binCounts(values: number[], edges: number[]): number[] {
  const bins = edges.length - 1;
  const w = bins === 1 ? 1 : (edges[bins] - edges[0]) / bins;
  const out = new Array<number>(bins).fill(0);
  for (const x of values) {
    const b = Math.min(Math.floor((x - edges[0]) / w), bins - 1);
    if (b >= 0 && x <= edges[bins]) out[b]++;
  }
  return out;
}

const pooled = (params: Record<string, unknown>) => analyse(hub.api, { dataset: 'patients-all', ...params });

test.before(async () => {
  hub = await HubProc.start({
    name: 'fed-hub',
    env: {
      SIMPUL_LOG_LEVEL: 'info',
      SIMPUL_STUDY_SWEEP_MS: '500',
      SIMPUL_STUDY_OFFLINE_S: '600',
      SIMPUL_SITE_APPROVAL: 'auto',
    },
  }); // three sites of one name
  // Started together, waited for generously: a loaded machine takes a while to start four runners.
  for (const [i, path] of files.entries()) {
    sites.push(
      await RunnerProc.start(
        hub,
        {
          name: `fed-site-${'abc'[i]}`,
          datasets: [{ name: 'patients', path, ...(i === 2 ? { policy: { min_group_size: 3 } } : {}) }],
        },
        false,
      ),
    );
  }
  pooledRunner = await RunnerProc.start(
    hub,
    { name: 'fed-pooled', datasets: [{ name: 'patients-all', path: PATIENTS_CSV }] },
    false,
  );
  for (const r of [...sites, pooledRunner]) await hub.waitRunnerOnline(r.opts.name, true, 180_000);
  ids = await Promise.all(sites.map((s) => s.id()));
});

test.after(async () => {
  await Promise.all([...sites, pooledRunner].filter(Boolean).map((r) => r.stop()));
  await hub?.stop();
  console.log(`largest relative deviation from the pooled analyses: ${dev.worst.toExponential(2)} (${dev.where})`);
});

test('the three sites are unequal slices of the file', async () => {
  const rows = await Promise.all(
    files.map(async (_, i) => (await hub.runners()).find((r) => r.runner_id === ids[i]).datasets[0].row_count),
  );
  assert.equal(rows, [2500, 1500, 1000]);
});

test('summary: count, mean, variance, sd, min and max equal describe on the pooled file', async () => {
  const s = await runStudy(hub.api, { dataset: 'patients', analysis: 'summary', columns: NUMBERS });
  assert.is(s.status, 'succeeded', JSON.stringify(s.error));
  assert.equal(new Set(s.result.sites), new Set(ids));
  assert.equal(
    s.rounds.map((r: any) => [r.step, r.tasks.length]),
    [['moments', 3]],
  );
  const p = await pooled({ analysis: 'describe', columns: NUMBERS });
  for (const c of s.result.columns) {
    const q = p.columns.find((x: any) => x.name === c.name);
    assert.is(c.count, q.count, c.name);
    dev.check(c.mean, q.mean, 1e-9, `${c.name} mean`);
    dev.check(c.sd, q.sd, 1e-9, `${c.name} sd`);
    dev.check(c.variance, q.sd ** 2, 1e-9, `${c.name} variance`);
    // Site c has a policy: its release gate keeps row-level extremes, so the combined ones would not be the true ones.
    assert.equal([c.min, c.max], [null, null], `${c.name} min/max withheld`);
    assert.ok(
      s.result.warnings.some(
        (w: string) => w.startsWith(`${c.name}: minimum and maximum withheld`) && w.includes(ids[2]),
      ),
    );
  }
  // The per-site breakdown: each site's own count, adding up to the whole.
  assert.equal(
    ids.map((id) => s.result.per_site.find((x: any) => x.site === id).rows),
    [2500, 1500, 1000],
  );
  assert.equal(s.per_site_withheld_by, []);
});

test('histogram: two rounds, the pooled bins and counts; a bin site c holds fewer than k values of is suppressed', async () => {
  const s = await runStudy(hub.api, {
    dataset: 'patients',
    analysis: 'histogram',
    columns: ['age', 'systolic_bp'],
    bins: 10,
  });
  assert.is(s.status, 'succeeded', JSON.stringify(s.error));
  assert.equal(
    s.rounds.map((r: any) => r.step),
    ['range', 'histogram'],
  );
  const p = await pooled({ analysis: 'describe', columns: ['age', 'systolic_bp'], bins: 10 });
  const [age, bp] = s.result.histograms;
  for (const h of [age, bp]) {
    // Site c's gate widens its range to round numbers (sites a and b have no policy: theirs are exact); the shared
    // edges cover every value.
    const values = patients
      .map((r) => r[h.column])
      .filter((v) => v !== '')
      .map(Number);
    assert.ok(
      h.edges[0] <= Math.min(...values) && h.edges.at(-1) >= Math.max(...values),
      `${h.column} edges cover the data`,
    );
    // Every bin equals the pooled file's count on those edges, except those a site suppressed (null, naming the site).
    const hidden = h.suppressed_bins.map((b: any) => b.bin);
    const pooledCounts = binCounts(values, h.edges);
    assert.equal(
      h.counts.map((n: number | null, i: number) => (hidden.includes(i) ? 'suppressed' : n)),
      pooledCounts.map((n, i) => (hidden.includes(i) ? 'suppressed' : n)),
      `${h.column} counts`,
    );
    assert.ok(hidden.every((i: number) => h.counts[i] === null));
    assert.ok(h.suppressed_bins.every((b: any) => JSON.stringify(b.sites) === JSON.stringify([ids[2]])));
  }
  // The quartiles are within one bin of the pooled ones.
  const pc = p.columns.find((x: any) => x.name === 'age');
  for (const q of ['q1', 'median', 'q3'])
    assert.ok(
      Math.abs(age.quartiles[q] - pc[q]) <= age.edges[1] - age.edges[0],
      `age ${q}: ${age.quartiles[q]} vs ${pc[q]}`,
    );
  assert.is(age.quartiles.approximate, true);
  // Blood pressure's tails are thin: site c (k = 3) holds only one or two of them.
  assert.ok(bp.suppressed_bins.length > 0 && bp.quartiles.median === null);
  assert.ok(s.result.warnings.some((w: string) => w.startsWith('systolic_bp:') && w.includes(ids[2])));
});

test('group_by: counts, sums and means per group equal the pooled group_by', async () => {
  const aggregates = [{ fn: 'count' }, { fn: 'mean', column: 'bmi' }, { fn: 'sum', column: 'cholesterol' }];
  const s = await runStudy(hub.api, {
    dataset: 'patients',
    analysis: 'group_by',
    group_by: ['site', 'sex'],
    aggregates,
  });
  assert.is(s.status, 'succeeded', JSON.stringify(s.error));
  const p = await pooled({ analysis: 'group_by', group_by: ['site', 'sex'], aggregates: aggregates.slice(1) });
  assert.equal(
    s.result.groups.map((g: any) => g.key),
    p.groups.map((g: any) => g.key),
  );
  s.result.groups.forEach((g: any, i: number) => {
    const q = p.groups[i];
    assert.is(g.count, q.count);
    dev.check(g.values[1], q.values[0], 1e-9, `${g.key} mean(bmi)`);
    dev.check(g.values[2], q.values[1], 1e-9, `${g.key} sum(cholesterol)`);
  });
  assert.is(s.result.suppressed_groups, 0);
});

test('correlation: the pooled Pearson matrix', async () => {
  const s = await runStudy(hub.api, { dataset: 'patients', analysis: 'correlation', columns: NUMBERS });
  assert.is(s.status, 'succeeded', JSON.stringify(s.error));
  const p = await pooled({ analysis: 'correlation', columns: NUMBERS, method: 'pearson' });
  assert.is(s.result.rows_used, p.rows_used);
  s.result.pearson.forEach((row: number[], i: number) =>
    row.forEach((v, j) => dev.check(v, p.pearson[i][j], 1e-9, `r(${NUMBERS[i]}, ${NUMBERS[j]})`)),
  );
});

test('linear regression: the pooled least-squares fit', async () => {
  const s = await runStudy(hub.api, {
    dataset: 'patients',
    analysis: 'linear_regression',
    target: 'systolic_bp',
    features: FEATURES,
  });
  assert.is(s.status, 'succeeded', JSON.stringify(s.error));
  const p = await pooled({ analysis: 'linear_regression', target: 'systolic_bp', features: FEATURES });
  assert.is(s.result.df, p.df);
  s.result.coefficients.forEach((c: any, i: number) => {
    assert.is(c.term, p.coefficients[i].term);
    dev.check(c.estimate, p.coefficients[i].estimate, 1e-6, `linear ${c.term}`);
    dev.check(c.std_error, p.coefficients[i].std_error, 1e-6, `linear ${c.term} se`);
  });
  dev.check(s.result.r2, p.r2, 1e-9, 'R²');
});

const LOGIT = { target: 'diabetes', positive: 1, features: FEATURES };
const pooledLogit = () =>
  pooled({ analysis: 'logistic_regression', ...LOGIT, test_pct: 0, l2: 0, max_rows: 1_000_000, max_iterations: 200 });

test('logistic regression: Newton rounds reach the pooled maximum-likelihood fit', async () => {
  const s = await runStudy(hub.api, { dataset: 'patients', analysis: 'logistic_regression', ...LOGIT });
  assert.is(s.status, 'succeeded', JSON.stringify(s.error));
  assert.ok(s.rounds.length >= 3 && s.rounds.length === s.result.rounds, `${s.rounds.length} rounds`);
  assert.ok(
    s.rounds.every(
      (r: any) => r.step === 'newton' && r.tasks.length === 3 && r.tasks.every((t: any) => t.outcome === 'delivered'),
    ),
  );
  const p = await pooledLogit();
  assert.ok(s.result.converged && p.converged);
  assert.is(s.result.rows_used, p.n_train);
  s.result.coefficients.forEach((c: any, i: number) =>
    dev.check(c.estimate, p.coefficients[i].estimate, 1e-6, `logistic ${c.term}`),
  );
});

test('a site with fewer than k rows in a group suppresses that cell; the combined result says so', async () => {
  const where = { column: 'age', op: '>=', value: 90 };
  const s = await runStudy(hub.api, { dataset: 'patients', analysis: 'group_by', group_by: ['site', 'sex'], where });
  assert.is(s.status, 'succeeded', JSON.stringify(s.error));
  const p = await pooled({ analysis: 'group_by', group_by: ['site', 'sex'], where });
  const siteC = ids[2];
  // Site c (k = 3) holds 3 rows of (east, F) and 1 or 2 of each other group among the over-90s: its gate withholds
  // those groups with their keys, so the combined cells count sites a and b only, and the result says so.
  let missing = 0;
  for (const g of s.result.groups) {
    const q = p.groups.find((x: any) => JSON.stringify(x.key) === JSON.stringify(g.key));
    if (JSON.stringify(g.key) === '["east","F"]') assert.equal([g.count, g.suppressed], [q.count, false]);
    else {
      assert.ok(g.count <= q.count, JSON.stringify(g));
      missing += q.count - g.count;
    }
  }
  const own = s.result.per_site.find((x: any) => x.site === siteC);
  assert.equal(
    own.groups.map((g: any) => g.key),
    [['east', 'F']],
    'site c sends no key of a group it withheld',
  );
  assert.is(s.result.suppressed_groups, 5);
  assert.ok(missing > 0 && missing <= 10, `rows site c withheld: ${missing}`);
  assert.ok(
    s.result.warnings.some((w: string) => w.includes(siteC) && w.includes('withheld 5 group(s)')),
    JSON.stringify(s.result.warnings),
  );
});

test('a round interrupted by a runner reconnect completes, and the fit is still the pooled one', async () => {
  const c = sites[2];
  const r = await hub.api.post('/api/v1/studies', { dataset: 'patients', analysis: 'logistic_regression', ...LOGIT });
  assert.is(r.status, 201);
  // Freeze site c once the study is in its second round (of several), kill it, and bring it back.
  await waitFor(async () => (await getStudy(hub.api, r.body.study_id)).round >= 2, 'round 2', 120_000, 10);
  c.proc.signal('SIGSTOP');
  await c.kill9();
  const down = await getStudy(hub.api, r.body.study_id);
  assert.is(down.status, 'running');
  const back = Date.now();
  c.launch();
  await hub.waitRunnerOnline(c.opts.name, true, 180_000);
  const s = await waitStudy(hub.api, r.body.study_id);
  assert.is(s.status, 'succeeded', JSON.stringify(s.error));
  assert.ok(s.site_list.every((x: any) => x.status === 'active'));
  assert.ok(s.rounds.every((x: any) => x.tasks.length === 3 && x.tasks.every((t: any) => t.outcome === 'delivered')));
  // Some round waited for site c across its restart: its sub-task was created before and finished after.
  const waited = [];
  for (const round of s.rounds) {
    const t = await hub.api.task(round.tasks.find((x: any) => x.runner_id === ids[2]).task_id);
    if (Date.parse(t.created_at) < back && Date.parse(t.finished_at) > back) waited.push(round.round);
  }
  assert.ok(waited.length >= 1, 'a round spanned the restart');
  const p = await pooledLogit();
  s.result.coefficients.forEach((x: any, i: number) =>
    dev.check(x.estimate, p.coefficients[i].estimate, 1e-6, `logistic after reconnect ${x.term}`),
  );
});

test.run();
