// The release gate under attack: a synthetic staff table with one planted person (Zelda Quist, P0001, salary
// 123457.89), served by real runner processes under `allow_ops: [300, 400]`, `min_group_size: 5`. Every attack an
// analyst with an ordinary account would try — group_by row dumps, one-row query sets and their 0/1 oracle, differencing,
// models on three rows, complementary suppression, pagination past the row budget — directly, through a federated study
// and through op 400 exports, must leave no byte of the planted values. Cell-key noise and rounding are checked too.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { download } from '../lib/downloads.ts';
import { runStudy } from '../lib/federated.ts';
import { HubProc } from '../lib/hub.ts';
import { tempDir } from '../lib/procs.ts';
import { RunnerProc } from '../lib/runner.ts';

const K = 5;
const ZELDA = { id: 'P0001', name: 'Zelda Quist', dept: 'E', city: 'north', age: 47, salary: 123457.89 };
/** Every form the planted values could take in a result: her name, her id, her salary (to the cent or rounded). */
const SECRET = /Zelda|Quist|P0001\b|123457\.8|123457\.9|123458(?![0-9])/;

function staffCsv(): { header: string; rows: string[] } {
  const rows: string[] = [];
  let seed = 7;
  const rnd = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
  rows.push([ZELDA.id, ZELDA.name, ZELDA.dept, ZELDA.city, ZELDA.age, 'F', ZELDA.salary, 5000, true, true].join(','));
  for (let i = 2; i <= 300; i++) {
    const id = `P${String(i).padStart(4, '0')}`;
    // north holds 13 people: 11 in dept A and 2 in dept E (Zelda and one more); E exists nowhere else.
    const north = i <= 13;
    const dept = north ? (i === 13 ? 'E' : 'A') : 'ABCD'[Math.floor(rnd() * 4)];
    const city = north ? 'north' : ['south', 'east', 'west'][Math.floor(rnd() * 3)];
    const age = 20 + Math.floor(rnd() * 45);
    const salary = (30000 + Math.floor(rnd() * 60000) + 0.25).toFixed(2);
    const bonus = i <= 3 ? 1000 * i : '';
    const smoker = rnd() < 0.3;
    const diabetes = rnd() < 0.2 + (age - 20) / 100;
    rows.push([id, `Person ${i}`, dept, city, age, i % 2 ? 'M' : 'F', salary, bonus, smoker, diabetes].join(','));
  }
  return { header: 'id,name,dept,city,age,sex,salary,bonus,smoker,diabetes', rows };
}

const test = suite('disclosure: attacks on the release gate');
let hub: HubProc;
const runners: RunnerProc[] = [];
let owner: string;
const policy = { allow_ops: [300, 400], min_group_size: K };

test.before(async () => {
  const dir = tempDir('simpul-attack-');
  const { header, rows } = staffCsv();
  const all = join(dir, 'staff.csv');
  writeFileSync(all, [header, ...rows].join('\n'));
  const site1 = join(dir, 'site1.csv');
  const site2 = join(dir, 'site2.csv');
  writeFileSync(site1, [header, ...rows.slice(0, 150)].join('\n'));
  writeFileSync(site2, [header, ...rows.slice(150)].join('\n'));
  hub = await HubProc.start({ env: { SIMPUL_SITE_APPROVAL: 'auto', SIMPUL_TASKS_PER_MINUTE: '100000' } });
  runners.push(
    await RunnerProc.start(
      hub,
      {
        name: 'owner',
        datasets: [
          { name: 'staff', path: all, policy },
          {
            name: 'staff_rows',
            path: all,
            policy: { allow_ops: [200], min_group_size: K, max_rows: 50, max_rows_per_day: 100 },
          },
          { name: 'staff_ck', path: all, policy: { ...policy, counts: 'cell_key' } },
          { name: 'staff_round', path: all, policy: { ...policy, counts: 'round', round_base: 5 } },
        ],
      },
      false,
    ),
    await RunnerProc.start(hub, { name: 'site-1', datasets: [{ name: 'staff_fed', path: site1, policy }] }, false),
    await RunnerProc.start(hub, { name: 'site-2', datasets: [{ name: 'staff_fed', path: site2, policy }] }, false),
  );
  for (const name of ['owner', 'site-1', 'site-2']) await hub.waitRunnerOnline(name, true, 120_000);
  owner = await runners[0].id();
});
test.after(async () => {
  await Promise.all(runners.map((r) => r.stop()));
  await hub?.stop();
});

/** Everything that left the runner for a task: its view, its result or error, as the analyst reads them. */
async function run(op: number, params: Record<string, unknown>) {
  const c = await hub.api.post('/api/v1/tasks', { op, runner_id: owner, params });
  assert.is(c.status, 201, JSON.stringify(c.body));
  const task = await hub.api.waitTask(c.body.task_id, undefined, 120_000);
  const r = await hub.api.get(`/api/v1/result/${c.body.task_id}`);
  const out = { id: c.body.task_id as string, task, result: r.body.result, error: r.body.error ?? task.error };
  // The analyst's own params may name Zelda, and so may the hub's one-line description of them; nothing the runner
  // sent back may.
  const sent = JSON.stringify({ ...out, task: { ...task, params: undefined, description: undefined } });
  assert.not.match(sent, SECRET, `a planted value left the runner: ${sent.slice(0, 2000)}`);
  return out;
}

/** A study as the sites answered it: without the analyst's own question (its `where` may name Zelda). */
const answered = (s: unknown) =>
  JSON.stringify(s, (k, v) => (k === 'where' || k === 'params' || k === 'description' ? undefined : v));

const describe = (where?: unknown, dataset = 'staff') =>
  run(300, { dataset, analysis: 'describe', columns: ['salary'], ...(where ? { where } : {}) });
const isZelda = { column: 'name', op: '=', value: ZELDA.name };
const refused = (r: { task: { status: string }; error?: { code: string } }) => {
  assert.is(r.task.status, 'failed');
  assert.is(r.error?.code, 'policy_denied');
};

test('row dump through group_by: groups under k show no key, only how many groups and rows were withheld', async () => {
  const r = await run(300, {
    dataset: 'staff',
    analysis: 'group_by',
    group_by: ['name', 'dept', 'city', 'age'],
    limit: 10_000,
  });
  assert.is(r.task.status, 'succeeded');
  assert.is(r.result.groups.length, 0, 'every group has one row: none is shown');
  assert.is(r.result.suppressed_groups, 300);
  assert.ok(
    r.result.suppressed_rows >= 295 && r.result.suppressed_rows <= 305,
    `rows in withheld groups, rounded: ${r.result.suppressed_rows}`,
  );
  assert.ok(r.result.disclosure.rules_applied.includes('min_group_size'));
  // A filter narrowing to one person is refused before any group is formed.
  refused(await run(300, { dataset: 'staff', analysis: 'group_by', group_by: ['name', 'salary'], where: isZelda }));
});

test('one-row query sets and the 0/1 oracle: refused, with the same message whichever side is small', async () => {
  refused(await describe(isZelda));
  const below = await describe({ and: [isZelda, { column: 'salary', op: '<=', value: 200000 }] });
  const above = await describe({ and: [isZelda, { column: 'salary', op: '<=', value: 100000 }] });
  refused(below);
  refused(above);
  assert.is(below.error.message, above.error.message, 'the answer does not depend on the hidden value');
  const few = await describe({ column: 'age', op: '<', value: 0 });
  refused(few);
  assert.is(few.error.message, below.error.message, 'empty, one-row and all-but-one sets read the same');
});

test('differencing: everyone, then everyone but one, is refused', async () => {
  const everyone = await describe();
  assert.is(everyone.task.status, 'succeeded');
  const col = everyone.result.columns[0];
  assert.is(col.min, null, 'row-level min withheld');
  assert.is(col.max, null, "row-level max withheld (it would be Zelda's salary)");
  refused(await describe({ column: 'name', op: '!=', value: ZELDA.name }));
  refused(await describe({ not: isZelda }));
});

test('models ignore k no more: three rows are refused, and row-level by-products are withheld', async () => {
  refused(
    await run(300, {
      dataset: 'staff',
      analysis: 'linear_regression',
      target: 'salary',
      features: ['age'],
      where: { column: 'id', op: 'in', value: ['P0001', 'P0002', 'P0003'] },
    }),
  );
  // Without a filter, but only three rows have a bonus: the model's own n is 3 < k.
  const three = await run(300, {
    dataset: 'staff',
    analysis: 'linear_regression',
    target: 'salary',
    features: ['bonus'],
  });
  refused(three);
  assert.match(three.error.message, /at least 5 rows/);
  const all = await run(300, { dataset: 'staff', analysis: 'linear_regression', target: 'salary', features: ['age'] });
  assert.is(all.task.status, 'succeeded');
  assert.is(all.result.residuals.min, null);
  assert.is(all.result.residuals.max, null);
  assert.is(all.result.charts.scatter, undefined, 'no fitted-vs-actual points');
});

test('complementary suppression: no withheld cell follows from a total by subtraction', async () => {
  const r = await run(300, {
    dataset: 'staff',
    analysis: 'group_by',
    group_by: ['dept'],
    where: { column: 'city', op: '=', value: 'north' },
  });
  assert.is(r.task.status, 'succeeded');
  const shown = r.result.groups.reduce((s: number, g: { count: number | null }) => s + (g.count ?? 0), 0);
  const left = r.result.rows_used === null ? null : r.result.rows_used - shown;
  assert.ok(
    left === null || left === 0 || left >= K,
    `rows_used ${r.result.rows_used} − shown ${shown} = ${left} would reveal a group under k`,
  );
  assert.not.ok(
    r.result.groups.some((g: { key: unknown[] }) => g.key.includes('E')),
    'the small group has no key',
  );
  // The same across the whole table: dept E has 2 rows, next to 4 large groups.
  const whole = await run(300, { dataset: 'staff', analysis: 'group_by', group_by: ['dept'] });
  const shownAll = whole.result.groups.reduce((s: number, g: { count: number | null }) => s + (g.count ?? 0), 0);
  const leftAll = whole.result.rows_used === null ? null : whole.result.rows_used - shownAll;
  assert.ok(leftAll === null || leftAll >= K, `whole table: ${whole.result.rows_used} − ${shownAll} = ${leftAll}`);
  // A confusion matrix with one withheld cell would be given away by the others: never exactly one.
  const fit = await run(300, {
    dataset: 'staff',
    analysis: 'logistic_regression',
    target: 'diabetes',
    features: ['age'],
    where: { column: 'city', op: '=', value: 'north' },
  });
  if (fit.task.status === 'succeeded') {
    const cells = Object.values(fit.result.confusion as Record<string, number | null>);
    assert.not.equal(cells.filter((c) => c === null).length, 1, JSON.stringify(fit.result.confusion));
    assert.ok(
      // An empty cell (0) is no one's: the gate shows it (all rows predicted one class); a cell of 1 to k−1 never.
      cells.every((c) => c === null || c === 0 || c >= K),
      `no shown cell under k: ${JSON.stringify(fit.result.confusion)}`,
    );
  } else refused(fit);
});

test('pagination cannot pass the row budget: ten pages of 50 give at most max_rows_per_day rows', async () => {
  const seen = new Set<string>();
  let denied = 0;
  let after = 0; // rows received once the budget was spent
  for (let offset = 0; offset < 500; offset += 50) {
    const c = await hub.api.post('/api/v1/tasks', {
      op: 200,
      runner_id: owner,
      params: {
        dataset: 'staff_rows',
        where: { column: 'age', op: '>=', value: 30 },
        columns: ['id'],
        limit: 50,
        offset,
      },
    });
    const t = await hub.api.waitTask(c.body.task_id, undefined, 120_000);
    if (t.status !== 'succeeded') {
      assert.is(t.error.code, 'policy_denied');
      assert.match(t.error.message, /daily row budget/);
      denied++;
      continue;
    }
    const r = (await hub.api.get(`/api/v1/result/${c.body.task_id}`)).body.result;
    assert.ok(r.rows.length <= 50, 'max_rows per task');
    if (denied) after += r.rows.length;
    for (const row of r.rows) seen.add(String(row[0]));
  }
  assert.is(seen.size, 100, `${seen.size} distinct rows left: the daily budget, no more`);
  assert.ok(denied >= 2, `pages past the budget are refused (${denied})`);
  assert.is(after, 0, 'no page past the budget carries rows');
});

test('op 400: an export of a group_by dump holds no planted byte; raw rows do not leave a 300-only dataset', async () => {
  for (const format of ['csv', 'json']) {
    const r = await run(400, {
      dataset: 'staff',
      format,
      analysis: { analysis: 'group_by', group_by: ['name', 'salary'] },
    });
    assert.is(r.task.status, 'succeeded', JSON.stringify(r.error));
    const { bytes } = await download(hub.url, r.id, hub.api.token!);
    assert.not.match(bytes.toString('utf8'), SECRET, `the ${format} file`);
  }
  const raw = await run(400, { dataset: 'staff', format: 'csv' });
  refused(raw);
  assert.match(raw.error.message, /no raw rows/);
  refused(
    await run(400, {
      dataset: 'staff',
      format: 'csv',
      where: isZelda,
      analysis: { analysis: 'describe', columns: ['salary'] },
    }),
  );
});

test('through a federated study: one-row and all-but-one sets fail, group keys under k never leave a site', async () => {
  for (const where of [isZelda, { column: 'name', op: '!=', value: ZELDA.name }]) {
    const s = await runStudy(hub.api, { dataset: 'staff_fed', analysis: 'summary', columns: ['salary'], where });
    assert.is(s.status, 'failed', JSON.stringify(s).slice(0, 500));
    assert.not.match(answered(s), SECRET);
  }
  const g = await runStudy(hub.api, { dataset: 'staff_fed', analysis: 'group_by', group_by: ['name', 'dept'] });
  const text = JSON.stringify(g);
  assert.not.match(text, SECRET, text.slice(0, 2000));
  const summary = await runStudy(hub.api, { dataset: 'staff_fed', analysis: 'summary', columns: ['salary'] });
  assert.is(summary.status, 'succeeded', JSON.stringify(summary).slice(0, 500));
  assert.not.match(JSON.stringify(summary), SECRET, 'no site sends its extremes');
});

test('cell-key noise: the same query gives the same answer, counts move by at most the bound, differencing is refused', async () => {
  const a = await run(300, { dataset: 'staff_ck', analysis: 'group_by', group_by: ['city'] });
  const b = await run(300, { dataset: 'staff_ck', analysis: 'group_by', group_by: ['city'] });
  assert.equal(a.result.groups, b.result.groups, 'repeating does not average the noise out');
  assert.is(a.result.rows_used, b.result.rows_used);
  assert.ok(a.result.disclosure.rounded);
  const bound = a.result.disclosure.noise_bound;
  assert.ok(bound >= 1);
  const exact = await run(300, { dataset: 'staff', analysis: 'group_by', group_by: ['city'] });
  for (const g of a.result.groups) {
    const e = exact.result.groups.find((x: { key: unknown[] }) => x.key[0] === g.key[0]);
    assert.ok(Math.abs(g.count - e.count) <= bound, `${g.key[0]}: ${g.count} vs ${e.count}`);
  }
  refused(await describe({ column: 'name', op: '!=', value: ZELDA.name }, 'staff_ck'));
});

test('rounding: every count that leaves is a multiple of the base', async () => {
  const r = await run(300, { dataset: 'staff_round', analysis: 'group_by', group_by: ['city', 'sex'] });
  assert.is(r.task.status, 'succeeded');
  assert.is(r.result.disclosure.round_base, 5);
  for (const v of [r.result.rows_used, ...r.result.groups.map((g: { count: number }) => g.count)])
    if (v !== null) assert.is(v % 5, 0, String(v));
  const d = await describe({ column: 'age', op: '>=', value: 40 }, 'staff_round');
  assert.is(d.result.rows_used % 5, 0);
});

test.run();
