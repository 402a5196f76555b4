// The Python example runner (written from protocol/PROTOCOL.md alone) against a real hub: enrolment, ops 100 and 200, errors, cancel, timeout, restart.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ENROLLMENT_KEY, HubProc } from '../lib/hub.ts';
import { bigCsv, PATIENTS_CSV, readCsv } from '../lib/data.ts';
import { Proc, ROOT, tempDir, waitFor } from '../lib/procs.ts';

const SCRIPT = join(ROOT, 'examples', 'python-runner', 'simpul_runner.py');
const patients = readCsv(PATIENTS_CSV);
type Patient = Record<string, string>;

// The demo CSV's columns as the protocol should describe them, and each CSV field as the JSON cell it should become.
const KINDS: Record<string, string> = {
  patient_id: 'string',
  site: 'string',
  age: 'number',
  sex: 'string',
  bmi: 'number',
  systolic_bp: 'number',
  cholesterol: 'number',
  smoker: 'boolean',
  diabetes: 'number',
  visit_date: 'date',
  notes: 'string',
};
function cellOf(column: string, text: string): unknown {
  if (text === '') return null;
  if (KINDS[column] === 'number') return Number(text);
  if (KINDS[column] === 'boolean') return text === 'true';
  return text;
}
const rowOf = (p: Patient, columns: string[]) => columns.map((c) => cellOf(c, p[c]));
const byId = (a: Patient, b: Patient) => (a.patient_id < b.patient_id ? -1 : a.patient_id > b.patient_id ? 1 : 0);

let hub: HubProc;
let dir: string;
let big: string;
let runner: Proc;
let runnerId: string;

function startRunner(name: string, datasets: string[]): Proc {
  const args = [
    SCRIPT,
    '--hub',
    hub.url,
    '--name',
    name,
    '--state',
    join(dir, 'state.json'),
    ...datasets.flatMap((d) => ['--dataset', d]),
  ];
  const child = spawn('python3', args, {
    cwd: dir,
    env: { ...process.env, SIMPUL_ENROLLMENT_KEY: ENROLLMENT_KEY, PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs = join(ROOT, 'test-artifacts', 'logs');
  mkdirSync(logs, { recursive: true });
  return new Proc(name, child, join(logs, `${name}.log`));
}

async function run(body: Record<string, unknown>, timeoutMs = 60_000) {
  const c = await hub.api.post('/api/v1/tasks', { runner_id: runnerId, ...body });
  assert.is(c.status, 201, JSON.stringify(c.body));
  const task = await hub.api.waitTask(c.body.task_id, undefined, timeoutMs);
  const r = await hub.api.get(`/api/v1/result/${c.body.task_id}`);
  assert.is(r.status, 200);
  return { task, result: r.body };
}

test.before(async () => {
  big = await bigCsv(); // large enough that a filter over it runs for seconds in Python
  hub = await HubProc.start({ env: { SIMPUL_HEARTBEAT_S: '1', SIMPUL_LEASE_TTL_S: '5' } });
  dir = tempDir('simpul-py-runner-');
  runner = startRunner('py', [`patients=${PATIENTS_CSV}`, `big=${big}`]);
  const view = await hub.waitRunnerOnline('py', true, 180_000);
  runnerId = view.runner_id;
});

test.after(async () => {
  await runner?.stop();
  await hub?.stop();
});

test('enrols with the key, keeps its token in a 0600 state file, advertises the CSV schema but no rows', async () => {
  const state = join(dir, 'state.json');
  assert.is(statSync(state).mode & 0o777, 0o600);
  const saved = JSON.parse(readFileSync(state, 'utf8'));
  assert.is(saved.runner_id, runnerId);
  assert.match(saved.token, /^smr_/);

  const view = (await hub.runners()).find((r) => r.runner_id === runnerId);
  assert.is(view.transport, 'polling');
  const ds = view.datasets.find((d: any) => d.name === 'patients');
  assert.is(ds.row_count, patients.length);
  assert.equal(
    ds.columns.map((c: any) => c.name),
    Object.keys(patients[0]),
  );
  for (const c of ds.columns) assert.is(c.kind, KINDS[c.name], c.name);
  assert.is(ds.columns.find((c: any) => c.name === 'bmi').type, 'DOUBLE');
  assert.is(ds.columns.find((c: any) => c.name === 'age').type, 'BIGINT');
  assert.not.ok(JSON.stringify(view).includes('P00001'), 'no row values are advertised');
  assert.is(view.datasets.find((d: any) => d.name === 'big').row_count, 3_000_000);
});

test('op 100 fetches columns with limit and offset, in file order or by order_by', async () => {
  const cols = ['patient_id', 'age', 'smoker', 'visit_date', 'notes'];
  const { task, result } = await run({ op: 100, params: { dataset: 'patients', columns: cols, limit: 7, offset: 20 } });
  assert.is(task.status, 'succeeded', JSON.stringify(task.error));
  const r = result.result;
  assert.is(r.total_rows, patients.length);
  assert.is(r.offset, 20);
  assert.is(r.matched_rows, undefined);
  assert.equal(
    r.columns.map((c: any) => [c.name, c.kind]),
    cols.map((c) => [c, KINDS[c]]),
  );
  assert.equal(
    r.rows,
    patients.slice(20, 27).map((p) => rowOf(p, cols)),
  );

  // Oldest first; patient_id breaks ties so that the expected page is unique.
  const sorted = [...patients].sort((a, b) => Number(b.age) - Number(a.age) || byId(a, b));
  const paged = await run({
    op: 100,
    params: {
      dataset: 'patients',
      order_by: [{ column: 'age', direction: 'desc' }, { column: 'patient_id' }],
      limit: 10,
      offset: 5,
    },
  });
  const all = Object.keys(patients[0]);
  assert.equal(
    paged.result.result.columns.map((c: any) => c.name),
    all,
  );
  assert.equal(
    paged.result.result.rows,
    sorted.slice(5, 15).map((p) => rowOf(p, all)),
  );
});

const FILTERS: { name: string; where: unknown; match: (p: Patient) => boolean }[] = [
  {
    name: 'the PROTOCOL.md example (and, or, in, not is_null, between on dates)',
    where: {
      and: [
        { column: 'age', op: '>=', value: 30 },
        { or: [{ column: 'site', op: 'in', value: ['north', 'south'] }, { not: { column: 'notes', op: 'is_null' } }] },
        { column: 'visit_date', op: 'between', value: ['2024-01-01', '2024-06-30'] },
      ],
    },
    match: (p) =>
      Number(p.age) >= 30 &&
      (p.site === 'north' || p.site === 'south' || p.notes !== '') &&
      p.visit_date >= '2024-01-01' &&
      p.visit_date <= '2024-06-30',
  },
  {
    name: 'contains (any case), starts_with, not_in',
    where: {
      and: [
        {
          or: [
            { column: 'notes', op: 'contains', value: 'FOLLOW' },
            { column: 'patient_id', op: 'starts_with', value: 'P001' },
          ],
        },
        { column: 'sex', op: 'not_in', value: ['M'] },
      ],
    },
    match: (p) => (p.notes.toLowerCase().includes('follow') || p.patient_id.startsWith('P001')) && p.sex !== 'M',
  },
  {
    name: 'not of a comparison leaves null cells out (SQL logic)',
    where: { not: { column: 'notes', op: '=', value: 'follow-up' } },
    match: (p) => p.notes !== '' && p.notes !== 'follow-up',
  },
  {
    name: '< on a double, != on a boolean, = with a number given as a string, <= and > on integers',
    where: {
      and: [
        { column: 'bmi', op: '<', value: 25.5 },
        { column: 'smoker', op: '!=', value: true },
        { column: 'diabetes', op: '=', value: '1' },
        { column: 'systolic_bp', op: '<=', value: 150 },
        { column: 'cholesterol', op: '>', value: 5 },
      ],
    },
    match: (p) =>
      Number(p.bmi) < 25.5 &&
      p.smoker === 'false' &&
      p.diabetes === '1' &&
      Number(p.systolic_bp) <= 150 &&
      Number(p.cholesterol) > 5,
  },
  {
    name: 'not_null, and a date compared with <',
    where: {
      and: [
        { column: 'notes', op: 'not_null' },
        { column: 'visit_date', op: '<', value: '2024-03-01' },
      ],
    },
    match: (p) => p.notes !== '' && p.visit_date < '2024-03-01',
  },
];

for (const f of FILTERS) {
  test(`op 200: ${f.name}`, async () => {
    const expected = patients.filter(f.match).sort(byId);
    assert.ok(expected.length > 0 && expected.length < patients.length, 'the filter must select some rows, not all');
    const cols = ['patient_id', 'site', 'notes', 'visit_date'];
    const { task, result } = await run({
      op: 200,
      params: {
        dataset: 'patients',
        where: f.where,
        columns: cols,
        order_by: [{ column: 'patient_id' }],
        limit: 25,
        offset: 3,
      },
    });
    assert.is(task.status, 'succeeded', JSON.stringify(task.error));
    const r = result.result;
    assert.is(r.matched_rows, expected.length);
    assert.is(r.total_rows, patients.length);
    assert.is(r.offset, 3);
    assert.equal(
      r.rows,
      expected.slice(3, 28).map((p) => rowOf(p, cols)),
    );
  });
}

test('an unknown column fails the task with unknown_column; an op it does not implement fails with op_failed', async () => {
  const where = await run({ op: 200, params: { dataset: 'patients', where: { column: 'agee', op: '>', value: 1 } } });
  assert.is(where.task.status, 'failed');
  assert.is(where.result.error.code, 'unknown_column');
  assert.match(where.result.error.message, /agee/);

  const cols = await run({ op: 100, params: { dataset: 'patients', columns: ['patient_id', 'weight'] } });
  assert.is(cols.result.error.code, 'unknown_column');
  assert.match(cols.result.error.message, /weight/);

  const badValue = await run({
    op: 200,
    params: { dataset: 'patients', where: { column: 'age', op: '>', value: 'old' } },
  });
  assert.is(badValue.result.error.code, 'invalid_params');

  const other = await run({ op: 400, params: { dataset: 'patients', format: 'csv' } });
  assert.is(other.task.status, 'failed');
  assert.is(other.result.error.code, 'op_failed');
  assert.match(other.result.error.message, /op 400/);
});

test('a canceled task stops, is reported canceled, and the runner takes the next task', async () => {
  const c = await hub.api.post('/api/v1/tasks', {
    runner_id: runnerId,
    op: 200,
    params: {
      dataset: 'big',
      where: { column: 'n', op: '>=', value: 0 },
      order_by: [{ column: 's', direction: 'desc' }],
      limit: 10,
    },
  });
  assert.is(c.status, 201);
  await hub.api.waitTask(c.body.task_id, ['running'], 60_000);
  const cancel = await hub.api.post(`/api/v1/tasks/${c.body.task_id}/cancel`);
  assert.is(cancel.status, 200, JSON.stringify(cancel.body));
  const task = await hub.api.waitTask(c.body.task_id, undefined, 60_000);
  assert.is(task.status, 'canceled');
  assert.is(task.attempts.at(-1).outcome, 'canceled', 'the runner reported it, the hub did not have to expire it');
  await runner.waitLog(new RegExp(`task canceled task=${c.body.task_id}`));

  const next = await run({ op: 100, params: { dataset: 'patients', limit: 1 } });
  assert.is(next.task.status, 'succeeded');
});

test('a task that runs past its timeout is stopped by the runner and fails with code timeout', async () => {
  const { task } = await run({
    op: 200,
    timeout_s: 1,
    params: { dataset: 'big', where: { column: 's', op: 'contains', value: 'abc' } },
  });
  assert.is(task.status, 'failed');
  assert.is(task.error.code, 'timeout');
  assert.not.match(task.error.message, /did not stop it/, 'the runner stopped it, not the hub backstop');
});

test('SIGTERM stops it cleanly; started again it reuses its state file instead of enrolling anew', async () => {
  assert.is(await runner.stop(), 0);
  assert.match(runner.logs, /stopped/);

  runner = startRunner('py-again', [`patients=${PATIENTS_CSV}`]); // a new name on the command line does not re-enrol
  await runner.waitLog(/serving patients/);
  assert.match(runner.logs, new RegExp(`runner ${runnerId} serving`));
  assert.not.match(runner.logs, /enrolled as/);
  await waitFor(
    async () => {
      const view = (await hub.runners()).find((r) => r.runner_id === runnerId);
      return view?.online && view.datasets.length === 1; // it re-advertised its (now smaller) set of datasets
    },
    'the restarted runner to re-advertise',
    30_000,
  );
  assert.is((await hub.runners()).length, 1);

  const { task, result } = await run({
    op: 200,
    params: { dataset: 'patients', where: { column: 'site', op: '=', value: 'east' }, limit: 1 },
  });
  assert.is(task.status, 'succeeded', JSON.stringify(task.error));
  assert.is(result.result.matched_rows, patients.filter((p) => p.site === 'east').length);

  assert.is(await runner.stop(), 0);
});

test.run();
