// Schemas across sites with real processes: one hub, two runners serving "patients" from two slices of the patients file.
// Site b calls age "alter" in its file and maps it to the shared name in its config, and reads bmi as text. The hub shows
// the columns compared per site, refuses before round 1 a study over a column of another kind or missing at a site, and
// a study over the mapped column equals the analysis of the pooled file (a third runner holding it whole).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PATIENTS_CSV } from '../lib/data.ts';
import { analyse, runStudy, splitCsv } from '../lib/federated.ts';
import { HubProc } from '../lib/hub.ts';
import { RunnerProc } from '../lib/runner.ts';

let hub: HubProc;
let runners: RunnerProc[] = [];
const ids: Record<string, string> = {};

test.before(async () => {
  hub = await HubProc.start({ name: 'schemas-hub', env: { SIMPUL_SITE_APPROVAL: 'auto' } }); // two sites of one name
  const [a, b] = splitCsv(PATIENTS_CSV, [0.6, 0.4]);
  // Site b's file says "alter" where site a's says "age".
  const text = readFileSync(b, 'utf8');
  const local = join(b, '..', 'site-b-local.csv');
  writeFileSync(local, text.replace(/^patient_id,site,age,/, 'patient_id,site,alter,'));
  runners = [
    await RunnerProc.start(hub, { name: 'clinic-a', datasets: [{ name: 'patients', path: a }] }, false),
    await RunnerProc.start(
      hub,
      {
        name: 'clinic-b',
        datasets: [{ name: 'patients', path: local, columns: { age: { from: 'alter' }, bmi: 'VARCHAR' } }],
      },
      false,
    ),
    await RunnerProc.start(hub, { name: 'pooled', datasets: [{ name: 'patients-all', path: PATIENTS_CSV }] }, false),
  ];
  for (const r of runners) await hub.waitRunnerOnline(r.opts.name, true, 180_000);
  for (const r of runners) ids[r.opts.name] = await r.id();
});

test.after(async () => {
  await Promise.all(runners.map((r) => r.stop()));
  await hub?.stop();
});

test('GET /datasets/{name}: the sites, and each column per site with its kind, type and the summary flags', async () => {
  const r = await hub.api.get('/api/v1/datasets/patients');
  assert.is(r.status, 200, JSON.stringify(r.body));
  const v = r.body;
  assert.equal(
    v.sites.map((s: any) => [s.name, s.runner_id, s.site_status]),
    [
      ['clinic-a', ids['clinic-a'], 'approved'],
      ['clinic-b', ids['clinic-b'], 'approved'],
    ],
  );
  assert.is(v.consistent, false);
  const col = (name: string) => v.columns.find((c: any) => c.name === name);
  // age: the mapped name at site b, a number at both.
  assert.equal(
    col('age').sites.map((s: any) => [s.runner_id, s.present, s.kind]),
    [
      [ids['clinic-a'], true, 'number'],
      [ids['clinic-b'], true, 'number'],
    ],
  );
  assert.equal([col('age').present_everywhere, col('age').same_kind, col('age').same_type], [true, true, true]);
  assert.is(col('alter'), undefined, 'the local name is not advertised');
  // bmi: a number at a, text at b.
  assert.equal(
    col('bmi').sites.map((s: any) => [s.kind, s.type]),
    [
      ['number', 'DOUBLE'],
      ['string', 'VARCHAR'],
    ],
  );
  assert.equal([col('bmi').present_everywhere, col('bmi').same_kind, col('bmi').same_type], [true, false, false]);
  const missing = await hub.api.get('/api/v1/datasets/no-such-dataset');
  assert.is(missing.status, 404);
});

test('a study over a column of another kind at a site fails before round 1: 409 naming the site and the column', async () => {
  const r = await hub.api.post('/api/v1/studies', {
    dataset: 'patients',
    analysis: 'summary',
    columns: ['age', 'bmi'],
    require: 'all',
  });
  assert.is(r.status, 409, JSON.stringify(r.body));
  assert.is(r.body.error.code, 'schema_mismatch');
  assert.ok(
    r.body.error.message.startsWith('column "bmi" is text at site "clinic-b" but a number at "clinic-a"'),
    r.body.error.message,
  );
  // In a where, too; and a column one site lacks.
  const w = await hub.api.post('/api/v1/studies', {
    dataset: 'patients',
    analysis: 'summary',
    columns: ['age'],
    where: { column: 'bmi', op: '>', value: 25 },
    require: 'all',
  });
  assert.is(w.status, 409);
  assert.match(w.body.error.message, 'column "bmi" is text at site "clinic-b"');
  const m = await hub.api.post('/api/v1/studies', {
    dataset: 'patients',
    analysis: 'group_by',
    group_by: ['sex'],
    aggregates: [{ fn: 'mean', column: 'alter' }],
    require: 'all',
  });
  assert.is(m.status, 409);
  assert.ok(m.body.error.message.startsWith('column "alter" is missing at site "clinic-a"'), m.body.error.message);
  const studies = await hub.api.get('/api/v1/studies?dataset=patients');
  assert.equal(studies.body.studies, [], 'no study was started');
});

test('a study over the mapped shared name succeeds and equals the pooled figures', async () => {
  const where = { column: 'age', op: '>=', value: 40 };
  const s = await runStudy(hub.api, {
    dataset: 'patients',
    analysis: 'summary',
    columns: ['age', 'systolic_bp'],
    where,
    require: 'all',
  });
  assert.is(s.status, 'succeeded', JSON.stringify(s.error));
  assert.equal(new Set(s.result.sites), new Set([ids['clinic-a'], ids['clinic-b']]));
  const p = await analyse(hub.api, {
    dataset: 'patients-all',
    analysis: 'describe',
    columns: ['age', 'systolic_bp'],
    where,
  });
  for (const c of s.result.columns) {
    const q = p.columns.find((x: any) => x.name === c.name);
    assert.is(c.count, q.count, c.name);
    assert.ok(Math.abs(c.mean - q.mean) <= 1e-9 * Math.abs(q.mean), `${c.name} mean ${c.mean} vs ${q.mean}`);
    assert.ok(Math.abs(c.sd - q.sd) <= 1e-9 * Math.abs(q.sd), `${c.name} sd ${c.sd} vs ${q.sd}`);
    assert.equal([c.min, c.max], [q.min, q.max], `${c.name} min/max`);
  }
  // Each site's own rows under the shared name: site b's come from its "alter" column.
  const b = s.result.per_site.find((x: any) => x.site === ids['clinic-b']);
  assert.ok(b.rows > 0);
});

test.run();
