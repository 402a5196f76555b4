// Walking skeleton end to end: a real hub, a real runner process, op 100 and op 200 over the socket and over HTTP polling.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { HubProc } from '../lib/hub.ts';
import { RunnerProc } from '../lib/runner.ts';
import { PATIENTS_CSV, readCsv, toParquet } from '../lib/data.ts';

const patients = readCsv(PATIENTS_CSV);
const expectedOldSmokers = patients.filter((p) => Number(p.age) >= 60 && p.smoker === 'true').length;
const expectedNorthOrSouthHighBp = patients.filter(
  (p) => (p.site === 'north' || p.site === 'south') && Number(p.systolic_bp) > 150,
).length;

for (const transport of ['websocket', 'polling'] as const) {
  const t = suite(`skeleton over ${transport}`);
  let hub: HubProc;
  let runner: RunnerProc;
  let runnerId: string;
  const timings: number[] = [];

  t.before(async () => {
    const parquet = await toParquet(`SELECT * FROM read_csv('${PATIENTS_CSV}')`, 'patients.parquet');
    hub = await HubProc.start();
    runner = await RunnerProc.start(hub, {
      name: `r-${transport}`,
      transport,
      datasets: [
        { name: 'patients', path: PATIENTS_CSV },
        { name: 'patients_pq', path: parquet },
      ],
    });
    runnerId = await runner.id();
  });
  t.after(async () => {
    console.log(`${transport}: created→succeeded ms: ${timings.map((x) => x.toFixed(0)).join(', ')}`);
    await runner?.stop();
    await hub?.stop();
  });

  async function run(body: unknown) {
    const t0 = performance.now();
    const c = await hub.api.post('/api/v1/tasks', body);
    assert.is(c.status, 201, JSON.stringify(c.body));
    const task = await hub.api.waitTask(c.body.task_id);
    timings.push(performance.now() - t0);
    const r = await hub.api.get(`/api/v1/result/${c.body.task_id}`);
    assert.is(r.status, 200);
    return { task, result: r.body };
  }

  t('the runner advertises its datasets with their schema, not rows', async () => {
    const view = (await hub.runners()).find((r) => r.runner_id === runnerId);
    assert.is(view.online, true);
    assert.is(view.transport, transport);
    const ds = view.datasets.find((d: any) => d.name === 'patients');
    assert.is(ds.row_count, patients.length);
    assert.equal(
      ds.columns.map((c: any) => c.name),
      Object.keys(patients[0]),
    );
    assert.is(ds.columns.find((c: any) => c.name === 'age').kind, 'number');
    assert.not.ok(JSON.stringify(view).includes('P00001'), 'no row values are advertised');
  });

  t('op 100 fetches raw rows with paging', async () => {
    const { task, result } = await run({
      runner_id: runnerId,
      op: 100,
      params: { dataset: 'patients', columns: ['patient_id', 'age'], limit: 5, offset: 10 },
    });
    assert.is(task.status, 'succeeded');
    assert.is(result.status, 'succeeded');
    assert.is(result.result.total_rows, patients.length);
    assert.equal(
      result.result.columns.map((c: any) => c.name),
      ['patient_id', 'age'],
    );
    assert.equal(
      result.result.rows.map((r: any[]) => r[0]),
      patients.slice(10, 15).map((p) => p.patient_id),
    );
    assert.equal(
      result.result.rows.map((r: any[]) => r[1]),
      patients.slice(10, 15).map((p) => Number(p.age)),
    );
  });

  for (const ds of ['patients', 'patients_pq']) {
    t(`op 200 filters ${ds} and counts the matches`, async () => {
      const { task, result } = await run({
        op: 200, // no runner_id: any runner with the dataset
        params: {
          dataset: ds,
          where: {
            and: [
              { column: 'age', op: '>=', value: 60 },
              { column: 'smoker', op: '=', value: true },
            ],
          },
          limit: 10,
        },
      });
      assert.is(task.status, 'succeeded', JSON.stringify(task.error));
      assert.is(task.runner_id, runnerId);
      assert.is(result.result.matched_rows, expectedOldSmokers);
      assert.is(result.result.rows.length, Math.min(10, expectedOldSmokers));
      const age = result.result.columns.findIndex((c: any) => c.name === 'age');
      for (const row of result.result.rows) assert.ok(row[age] >= 60);

      const or = await run({
        runner_id: runnerId,
        op: 200,
        params: {
          dataset: ds,
          where: {
            and: [
              { column: 'site', op: 'in', value: ['north', 'south'] },
              { column: 'systolic_bp', op: '>', value: 150 },
            ],
          },
          limit: 1,
        },
      });
      assert.is(or.result.result.matched_rows, expectedNorthOrSouthHighBp);
    });
  }

  t('a column that is not in the dataset fails the task with a clear error', async () => {
    const { task, result } = await run({
      runner_id: runnerId,
      op: 200,
      params: { dataset: 'patients', where: { column: 'agee', op: '>', value: 1 } },
    });
    assert.is(task.status, 'failed');
    assert.is(result.error.code, 'unknown_column');
    assert.match(result.error.message, /agee/);
  });

  t.run();
}
