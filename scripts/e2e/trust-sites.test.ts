// Attacks on trust between hub and runners, with a real hub and a real runner process as the `staff` site. The rogue
// is an attacker holding the reusable enrolment key: it speaks the protocol by hand (register, claim, post), as an
// attacker would. Issue #16, attacks 1 (a dataset name taken over), 8 (fields a result schema does not name), 9
// (a lone site whose policy keeps its own figures private) and 3 (studies and runner access, timeouts; last, as it
// makes the site private and stops it).
import { createHash } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PROTOCOL_VERSION } from '@simpul/protocol';
import { readResult } from '../../web/src/lib/result-view.ts';
import { Api } from '../lib/api.ts';
import { PATIENTS_CSV } from '../lib/data.ts';
import { runStudy, waitStudy } from '../lib/federated.ts';
import { ENROLLMENT_KEY, HubProc } from '../lib/hub.ts';
import { sleep, waitFor } from '../lib/procs.ts';
import { RunnerProc } from '../lib/runner.ts';

let hub: HubProc;
let staff: RunnerProc;
let staffId: string;

/** What the rogue advertises: the real site's dataset name and columns, and any row count it likes. */
const staffLike = (rows = 5000) => ({
  name: 'staff',
  columns: [{ name: 'age', type: 'BIGINT', kind: 'number' }],
  row_count: rows,
});

class Rogue {
  api: Api;
  constructor(
    readonly id: string,
    readonly token: string,
  ) {
    this.api = new Api(hub.url, token);
  }
  static async enrol(name: string, datasets: unknown[]): Promise<{ status: number; body: any; rogue?: Rogue }> {
    const r = await new Api(hub.url).post(
      '/api/v1/register',
      { enrollment_key: ENROLLMENT_KEY, name, protocol_version: PROTOCOL_VERSION, datasets },
      { token: null },
    );
    return { ...r, rogue: r.status === 201 ? new Rogue(r.body.runner_id, r.body.token) : undefined };
  }
  async claim(): Promise<any[]> {
    const r = await this.api.get(`/api/v1/tasks?runner_id=${this.id}&wait=0&limit=10`);
    if (r.status !== 200) throw new Error(`rogue claim: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body.tasks;
  }
  async ping() {
    await this.api.post('/api/v1/ping', { runner_id: this.id });
  }
  post(offer: any, result: unknown) {
    return this.api.post('/api/v1/result', {
      task_id: offer.task_id,
      lease_token: offer.lease_token,
      status: 'succeeded',
      result,
    });
  }
}

test.before(async () => {
  hub = await HubProc.start({ name: 'trust-hub', env: { SIMPUL_STUDY_SWEEP_MS: '200' } }); // the default: SIMPUL_SITE_APPROVAL=first_use
  staff = await RunnerProc.start(
    hub,
    {
      name: 'staff-site',
      datasets: [
        { name: 'staff', path: PATIENTS_CSV },
        { name: 'solo', path: PATIENTS_CSV, policy: { site_breakdown: false } },
      ],
    },
    false,
  );
  await hub.waitRunnerOnline('staff-site', true, 180_000);
  staffId = await staff.id();
});

test.after(async () => {
  await staff?.stop();
  await hub?.stop();
});

test("attack 1: a second runner cannot enrol under an existing runner's name (409 names it and says how to replace it)", async () => {
  const r = await Rogue.enrol('staff-site', [staffLike()]);
  assert.is(r.status, 409);
  assert.is(r.body.error.code, 'conflict');
  assert.ok(r.body.error.message.includes(staffId), r.body.error.message);
  assert.match(r.body.error.message, /rotate-token/);
  assert.match(r.body.error.message, /revoke/);
});

test('attack 1: a rogue that advertises "staff" is a pending site: no analyst task, no study round, until an admin approves it', async () => {
  const { rogue } = await Rogue.enrol('rogue-a', [staffLike()]);
  assert.ok(rogue);
  const view = (await hub.runners()).find((r) => r.runner_id === rogue!.id);
  assert.is(view.datasets[0].site_status, 'pending');
  assert.is(
    (await hub.runners()).find((r) => r.runner_id === staffId).datasets.find((d: any) => d.name === 'staff')
      .site_status,
    'approved',
  );

  // The rogue claims as fast as it can while an analyst's tasks come in.
  let stolen = 0;
  let grabbing = true;
  const grab = (async () => {
    while (grabbing) {
      stolen += (await rogue!.claim()).length;
      await sleep(10);
    }
  })();
  const ids: string[] = [];
  for (let i = 0; i < 8; i++)
    ids.push(
      (
        await hub.api.post('/api/v1/tasks', {
          op: 200,
          params: { dataset: 'staff', where: { column: 'age', op: '>', value: 60 + i }, limit: 1 },
        })
      ).body.task_id,
    );
  const done = await Promise.all(ids.map((id) => hub.api.waitTask(id, ['succeeded', 'failed'], 120_000)));
  grabbing = false;
  await grab;
  assert.is(stolen, 0, 'the rogue received no task and no filter');
  assert.equal(
    done.map((t) => [t.status, t.runner_id]),
    ids.map(() => ['succeeded', staffId]),
  );

  // A study by name asks the approved site only; naming the pending one is refused.
  const s = await runStudy(hub.api, { dataset: 'staff', analysis: 'summary', columns: ['age'] });
  assert.is(s.status, 'succeeded', JSON.stringify(s.error));
  assert.equal(s.result.sites, [staffId]);
  const named = await hub.api.post('/api/v1/studies', {
    dataset: 'staff',
    analysis: 'summary',
    columns: ['age'],
    runner_ids: [staffId, rogue!.id],
  });
  assert.is(named.status, 409);
  assert.is(named.body.error.code, 'site_not_approved');
  assert.ok(named.body.error.message.includes(rogue!.id));
});

test("attack 1: an approved site that sends impossible partials (n = 1e9) is refused as that site's failure, named in the study", async () => {
  const { rogue } = await Rogue.enrol('rogue-b', [staffLike()]);
  const ok = await hub.api.post(`/api/v1/runners/${rogue!.id}/datasets/staff/approve`);
  assert.is(ok.status, 200, JSON.stringify(ok.body));
  assert.equal(ok.body, { runner_id: rogue!.id, dataset: 'staff', site_status: 'approved' });
  const audit = await hub.api.get('/api/v1/audit?action=site.approved');
  assert.ok(
    audit.body.entries.some((e: any) => e.target?.id === rogue!.id && e.details.dataset === 'staff'),
    JSON.stringify(audit.body),
  );

  const c = await hub.api.post('/api/v1/studies', {
    dataset: 'staff',
    analysis: 'summary',
    columns: ['age'],
    runner_ids: [staffId, rogue!.id],
    require: 'any',
  });
  assert.is(c.status, 201, JSON.stringify(c.body));
  const offer = await waitFor(async () => (await rogue!.claim())[0], "the rogue's round");
  const p = offer.params;
  const fake = {
    analysis: 'federated_round',
    step: 'moments',
    study_id: p.study_id,
    round: p.round,
    rows: 1e9,
    columns: p.columns.map((column: string) => ({
      column,
      n: 1e9,
      mean: 1e6,
      m2: 1,
      min: 0,
      max: 2e6,
      suppressed: false,
    })),
  };
  assert.is((await rogue!.post(offer, fake)).status, 200);
  const s = await waitStudy(hub.api, c.body.study_id);
  assert.is(s.status, 'succeeded', JSON.stringify(s.error));
  assert.equal(s.result.sites, [staffId], 'the fabricated partial was not combined');
  assert.is(s.result.columns[0].count, 5000);
  const task = s.rounds[0].tasks.find((t: any) => t.runner_id === rogue!.id);
  assert.is(task.error?.code, 'implausible_partial', JSON.stringify(task));
  assert.ok(
    s.result.warnings.some((w: string) => w.includes('rogue-b') && w.includes('cannot be true')),
    JSON.stringify(s.result.warnings),
  );

  // Rejected again: it takes no more study rounds.
  assert.is((await hub.api.post(`/api/v1/runners/${rogue!.id}/datasets/staff/reject`)).body.site_status, 'rejected');
  const again = await hub.api.post('/api/v1/studies', {
    dataset: 'staff',
    analysis: 'summary',
    columns: ['age'],
    runner_ids: [rogue!.id],
  });
  assert.is(again.body.error?.code, 'site_not_approved');
});

test("attack 8: keys a result schema does not name are not stored, and no link the web shows comes from a runner's text", async () => {
  const { rogue } = await Rogue.enrol('rogue-c', [
    { name: 'own', columns: [{ name: 'x', type: 'BIGINT', kind: 'number' }], row_count: 3 },
  ]);
  const t = await hub.api.post('/api/v1/tasks', {
    op: 300,
    runner_id: rogue!.id,
    params: { dataset: 'own', analysis: 'describe' },
  });
  assert.is(t.status, 201, JSON.stringify(t.body));
  const offer = await waitFor(async () => (await rogue!.claim())[0], 'the task');
  // A real blob of its own task, then a "large analysis" with a link of its own beside it.
  const bytes = Buffer.from('{"analysis":"describe"}');
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const slot = await rogue!.api.post('/api/v1/uploads', {
    task_id: offer.task_id,
    lease_token: offer.lease_token,
    bytes: bytes.length,
    sha256,
    content_type: 'application/json',
    filename: 'a.json',
  });
  assert.is(slot.status, 201, JSON.stringify(slot.body));
  const put = await fetch(new URL(slot.body.upload_url, hub.url), {
    method: 'PUT',
    headers: slot.body.headers,
    body: bytes,
  });
  assert.ok(put.ok, `upload: ${put.status}`);
  const evil = 'https://evil.example/steal';
  const posted = await rogue!.post(offer, {
    analysis: 'describe',
    rows_used: 3,
    blob: { url: `blob:${slot.body.blob_id}`, bytes: bytes.length, sha256, format: 'json', note: evil },
    url: evil,
    bytes: 1,
    sha256,
    format: 'csv',
  });
  assert.is(posted.status, 200, JSON.stringify(posted.body));
  const r = await hub.api.get(`/api/v1/result/${t.body.task_id}`);
  assert.equal(Object.keys(r.body.result).sort(), ['analysis', 'blob', 'rows_used']);
  assert.not.ok(JSON.stringify(r.body.result).includes('evil.example'), JSON.stringify(r.body.result));
  assert.is(r.body.result.blob.url, `/api/v1/result/${t.body.task_id}/download`);
  // What the task page makes of it: a download of the hub's own blob.
  const shape = readResult(300, r.body.result);
  assert.is(shape.kind === 'file' && shape.file.url, `/api/v1/result/${t.body.task_id}/download`);
});

test('attack 9: a study of one site whose policy says site_breakdown: false is refused (its own figures would be the answer)', async () => {
  const r = await hub.api.post('/api/v1/studies', {
    dataset: 'solo',
    analysis: 'summary',
    columns: ['age'],
    runner_ids: [staffId],
  });
  assert.is(r.status, 409, JSON.stringify(r.body));
  assert.is(r.body.error.code, 'policy_denied');
  assert.match(r.body.error.message, /site_breakdown: false/);
  const byName = await hub.api.post('/api/v1/studies', { dataset: 'solo', analysis: 'summary', columns: ['age'] });
  assert.is(byName.status, 409);
});

test('attack 3: a study follows runner access (404 as for tasks) and ends at its timeout_s when its site is gone', async () => {
  for (const u of ['ana', 'bob'])
    assert.is(
      (await hub.api.post('/api/v1/users', { username: u, password: `${u}-password-1`, role: 'analyst' })).status,
      201,
    );
  const [ana, bob] = [new Api(hub.url), new Api(hub.url)];
  await ana.login('ana', 'ana-password-1');
  await bob.login('bob', 'bob-password-1');
  assert.is((await hub.api.post(`/api/v1/runners/${staffId}/access`, { shared: false, owners: ['ana'] })).status, 200);

  const byName = await bob.post('/api/v1/studies', { dataset: 'staff', analysis: 'summary', columns: ['age'] });
  assert.is(byName.status, 409, 'no site of "staff" that bob may use');
  assert.ok(!JSON.stringify(byName.body).includes(staffId));
  const named = await bob.post('/api/v1/studies', {
    dataset: 'staff',
    analysis: 'summary',
    columns: ['age'],
    runner_ids: [staffId],
  });
  const task = await bob.post('/api/v1/tasks', { op: 100, runner_id: staffId, params: { dataset: 'staff' } });
  assert.equal([named.status, task.status], [404, 404]);
  const own = await runStudy(ana, { dataset: 'staff', analysis: 'summary', columns: ['age'] });
  assert.is(own.status, 'succeeded', JSON.stringify(own.error));

  // The site stops; a study of it gives up when its timeout_s has passed (the hub waits 60 s for a silent runner).
  await staff.stop();
  await hub.waitRunnerOnline('staff-site', false, 60_000);
  const started = Date.now();
  const late = await ana.post('/api/v1/studies', {
    dataset: 'staff',
    analysis: 'summary',
    columns: ['age'],
    runner_ids: [staffId],
    timeout_s: 2,
  });
  assert.is(late.status, 201, JSON.stringify(late.body));
  const s = await waitStudy(ana, late.body.study_id, 30_000);
  assert.is(s.status, 'failed');
  assert.match(JSON.stringify(s.error), /timeout/);
  assert.ok(Date.now() - started < 15_000, `ended after ${Date.now() - started} ms`);
});

test.run();
