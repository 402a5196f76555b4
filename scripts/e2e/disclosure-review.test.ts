// Review before release, with a real hub, a real runner process and the real `simpul-runner review` command: a held task
// waits (past its own timeout) until the data owner approves it, a denied one fails release_denied with the reason, a
// runner restarted while holding a result still has it, and every decision is in the runner's audit file.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { PATIENTS_CSV } from '../lib/data.ts';
import { HubProc } from '../lib/hub.ts';
import { ROOT, sleep, waitFor } from '../lib/procs.ts';
import { RunnerProc } from '../lib/runner.ts';

const run = promisify(execFile);
const test = suite('disclosure: review before release');
let hub: HubProc;
let runner: RunnerProc;
let runnerId: string;

test.before(async () => {
  hub = await HubProc.start();
  runner = await RunnerProc.start(hub, {
    name: 'reviewed',
    datasets: [
      {
        name: 'patients',
        path: PATIENTS_CSV,
        policy: { allow_ops: [200, 300], release: { review: [300] }, review_ttl: '1h' },
      },
    ],
  });
  runnerId = await runner.id();
});
test.after(async () => {
  await runner?.stop();
  await hub?.stop();
});

/** `simpul-runner review --config <runner's config> ...args`: exit code and output. */
async function review(...args: string[]): Promise<{ code: number; out: string }> {
  try {
    const r = await run(
      process.execPath,
      ['--import', 'tsx', 'runner/src/cli.ts', 'review', '--config', runner.configPath, ...args],
      { cwd: ROOT },
    );
    return { code: 0, out: r.stdout };
  } catch (e) {
    const err = e as { code: number; stdout: string };
    return { code: err.code, out: err.stdout };
  }
}

async function submit(params: Record<string, unknown>, op = 300, timeout_s?: number): Promise<string> {
  const c = await hub.api.post('/api/v1/tasks', {
    op,
    runner_id: runnerId,
    params,
    ...(timeout_s ? { timeout_s } : {}),
  });
  assert.is(c.status, 201, JSON.stringify(c.body));
  return c.body.task_id;
}

/** Waits until the runner holds the task: running, with the held message, and listed by `review --json`. */
async function held(id: string): Promise<any> {
  await waitFor(
    async () => (await hub.api.task(id)).progress_message === "awaiting the data owner's release",
    `task ${id} held`,
    60_000,
    100,
  );
  const listed = await waitFor(
    async () => JSON.parse((await review('--json')).out).find((h: any) => h.task_id === id),
    `task ${id} in review --json`,
  );
  return listed;
}

test('a held result waits past its timeout, is listed with exactly what would leave, and arrives once approved', async () => {
  const id = await submit({ dataset: 'patients', analysis: 'describe', columns: ['age'] }, 300, 5);
  const h = await held(id);
  assert.is(h.op, 300);
  assert.is(h.dataset, 'patients');
  assert.ok(typeof h.analyst === 'string' && h.analyst.startsWith('usr_'), 'the analyst is named');
  assert.is(h.result.analysis, 'describe');
  assert.is(h.result.disclosure.held_for_review, true);
  const text = (await review()).out;
  assert.match(text, /1 result held for review/);
  assert.match(text, new RegExp(`${id}\\s+op 300 Analyse describe on patients`));
  const shown = await review('--show', id);
  assert.is(shown.code, 0);
  assert.match(shown.out, /"analysis": "describe"/);
  // Other ops are not held.
  const rows = await submit({ dataset: 'patients', where: { column: 'age', op: '>=', value: 50 }, limit: 5 }, 200);
  assert.is((await hub.api.waitTask(rows)).status, 'succeeded');
  await sleep(6_000); // past the task's own 5 s timeout
  const still = await hub.api.task(id);
  assert.is(still.status, 'running', 'a held task does not time out');
  assert.ok(
    Date.parse(still.deadline_at ?? still.held_until ?? new Date(Date.now() + 3_600_000).toISOString()) > Date.now(),
  );
  const ok = await review('--approve', id);
  assert.is(ok.code, 0, ok.out);
  assert.match(ok.out, /approved/);
  const done = await hub.api.waitTask(id, undefined, 60_000);
  assert.is(done.status, 'succeeded');
  const result = (await hub.api.get(`/api/v1/result/${id}`)).body.result;
  assert.equal(result, h.result, 'what was reviewed is what arrived');
  assert.is((await review('--approve', id)).code, 1, 'a released result is no longer held');
});

test('a denied result fails release_denied with the owner’s reason', async () => {
  const id = await submit({ dataset: 'patients', analysis: 'group_by', group_by: ['sex'] });
  await held(id);
  const r = await review('--deny', id, '--reason', 'groups too fine for this cohort');
  assert.is(r.code, 0, r.out);
  const t = await hub.api.waitTask(id, undefined, 60_000);
  assert.is(t.status, 'failed');
  assert.is(t.error.code, 'release_denied');
  assert.match(t.error.message, /groups too fine for this cohort/);
});

test('bad review commands: unknown task, two actions, --reason without --deny', async () => {
  assert.is((await review('--approve', 'tsk_nope')).code, 1);
  assert.is((await review('--approve', 'a', '--deny', 'b')).code, 2);
  assert.is((await review('--reason', 'x')).code, 2);
});

test('a runner restarted while holding a result still has it, and releases it after approval', async () => {
  const id = await submit({ dataset: 'patients', analysis: 'describe', columns: ['bmi'] });
  const before = await held(id);
  await runner.stop();
  assert.ok(
    JSON.parse((await review('--json')).out).some((h: any) => h.task_id === id),
    'kept on disk while stopped',
  );
  runner.launch();
  await hub.waitRunnerOnline('reviewed', true, 120_000);
  await held(id);
  assert.is((await review('--approve', id)).code, 0);
  const t = await hub.api.waitTask(id, undefined, 60_000);
  assert.is(t.status, 'succeeded', JSON.stringify(t.error));
  assert.equal((await hub.api.get(`/api/v1/result/${id}`)).body.result, before.result);
});

test('every decision is in the runner’s audit file', async () => {
  const lines = await waitFor(() => {
    const l = readFileSync(`${runner.configPath}.audit.jsonl`, 'utf8')
      .trim()
      .split('\n')
      .map((x) => JSON.parse(x));
    return l.filter((e) => e.review === 'approved').length >= 2 && l.some((e) => e.review === 'denied') ? l : undefined;
  }, 'review decisions in the audit file');
  assert.ok(lines.filter((e) => e.review === 'held').length >= 3);
  assert.match(lines.find((e) => e.review === 'denied').reason, /too fine/);
});

test.run();
