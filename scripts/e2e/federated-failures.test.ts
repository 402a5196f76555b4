// Federated studies when a runner dies mid-study (SIGKILL): under require "quorum" the study goes on with the others
// and its answer is exactly theirs; under require "all" it fails and names the runner. The hub stops waiting for a
// silent runner after SIMPUL_STUDY_OFFLINE_S (5 s here).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PATIENTS_CSV } from '../lib/data.ts';
import { Deviation, getStudy, runStudy, splitCsv, waitStudy } from '../lib/federated.ts';
import { HubProc } from '../lib/hub.ts';
import { waitFor } from '../lib/procs.ts';
import { RunnerProc } from '../lib/runner.ts';

const LOGIT = {
  dataset: 'patients',
  analysis: 'logistic_regression',
  target: 'diabetes',
  positive: 1,
  features: ['age', 'bmi', 'cholesterol'],
};
const files = splitCsv(PATIENTS_CSV);
const dev = new Deviation();
let hub: HubProc;
const sites: RunnerProc[] = [];
let ids: string[] = [];

test.before(async () => {
  hub = await HubProc.start({
    name: 'fedfail-hub',
    env: {
      SIMPUL_LOG_LEVEL: 'info',
      SIMPUL_STUDY_SWEEP_MS: '500',
      SIMPUL_STUDY_OFFLINE_S: '5',
      SIMPUL_SITE_APPROVAL: 'auto',
    },
  }); // three sites of one name
  for (const [i, path] of files.entries())
    sites.push(
      await RunnerProc.start(hub, { name: `fedfail-${'abc'[i]}`, datasets: [{ name: 'patients', path }] }, false),
    );
  for (const r of sites) await hub.waitRunnerOnline(r.opts.name, true, 180_000);
  ids = await Promise.all(sites.map((s) => s.id()));
});

test.after(async () => {
  await Promise.all(sites.map((r) => r.stop()));
  await hub?.stop();
});

/** Starts a logistic study and SIGKILLs site c once the study is past its first round. */
async function killMidStudy(require: string): Promise<string> {
  const r = await hub.api.post('/api/v1/studies', { ...LOGIT, require });
  assert.is(r.status, 201, JSON.stringify(r.body));
  await waitFor(async () => (await getStudy(hub.api, r.body.study_id)).round >= 2, 'round 2', 120_000, 10);
  sites[2].proc.signal('SIGSTOP'); // frozen at once, whatever it was doing; the study still has rounds to go
  await sites[2].kill9();
  assert.is((await getStudy(hub.api, r.body.study_id)).status, 'running', 'killed mid-study');
  return r.body.study_id;
}

test('require quorum: a runner killed mid-study is dropped, the others finish, and the answer is exactly theirs', async () => {
  const s = await waitStudy(hub.api, await killMidStudy('quorum'));
  assert.is(s.status, 'succeeded', JSON.stringify(s.error));
  const c = s.site_list[2];
  assert.equal([c.runner_id, c.status, c.error.code], [ids[2], 'dropped', 'lost']);
  assert.ok(c.dropped_in_round >= 2, `dropped in round ${c.dropped_in_round}`);
  assert.match(c.error.message, /offline for more than 5 s/);
  assert.equal(s.result.sites, ids.slice(0, 2));
  assert.ok(
    s.result.warnings.some((w: string) => w.includes(ids[2]) && w.includes(`round ${c.dropped_in_round}`)),
    JSON.stringify(s.result.warnings),
  );
  // The round it missed shows it offline, its task canceled; the rounds after it ask only the other two.
  const missed = s.rounds.find((r: any) => r.round === c.dropped_in_round);
  assert.is(missed.tasks[2].outcome, 'offline');
  assert.ok(s.rounds.filter((r: any) => r.round > c.dropped_in_round).every((r: any) => r.tasks.length === 2));
  // Newton restarted from where it was on the two remaining sites: the same fit as a study of those two alone.
  const two = await runStudy(hub.api, { ...LOGIT, runner_ids: ids.slice(0, 2) });
  assert.is(two.status, 'succeeded', JSON.stringify(two.error));
  assert.ok(s.result.converged && two.result.converged);
  assert.is(s.result.rows_used, two.result.rows_used);
  s.result.coefficients.forEach((x: any, i: number) =>
    dev.check(x.estimate, two.result.coefficients[i].estimate, 1e-6, `quorum ${x.term}`),
  );
  console.log(`largest relative deviation from the two-site fit: ${dev.worst.toExponential(2)}`);
});

test('require all: a runner killed mid-study fails the study, which names it', async () => {
  sites[2].launch();
  await hub.waitRunnerOnline(sites[2].opts.name, true, 180_000);
  const s = await waitStudy(hub.api, await killMidStudy('all'));
  assert.is(s.status, 'failed');
  assert.is(s.error.code, 'op_failed');
  assert.match(s.error.message, /require "all" needs all 3/);
  assert.match(s.error.message, new RegExp(`fedfail-c \\(${ids[2]}\\): lost: .*offline for more than 5 s`));
  assert.is(s.site_list[2].status, 'dropped');
  assert.equal(
    s.site_list.slice(0, 2).map((x: any) => x.status),
    ['active', 'active'],
  );
  assert.is(s.result, null);
  // Failed studies leave nothing running: every sub-task of the last round is final.
  const last = s.rounds.at(-1);
  await waitFor(
    async () => {
      const tasks = await Promise.all(last.tasks.map((t: any) => hub.api.task(t.task_id)));
      return tasks.every((t) => ['succeeded', 'failed', 'canceled'].includes(t.status));
    },
    'the last round to settle',
    60_000,
  );
});

test.run();
