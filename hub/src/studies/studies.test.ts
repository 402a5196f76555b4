import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { FederatedRoundParams, StudySummary, StudyView } from '@simpul/protocol';
import { createHub } from '../server.ts';
import { call, login } from '../testing/http.ts';
import { connectWeb } from '../testing/sockets.ts';
import {
  addUser,
  DIALECTS,
  startTestHub,
  testConfig,
  waitFor,
  type Dialect,
  type TestHub,
} from '../testing/support.ts';
import { nextOffer, partialFor, ping, post, registerSite, type Site } from './test-sites.ts';

const KEY = 'test-enrollment-key';
// Several sites serve one dataset name here: each is a site at once (the trust-on-first-use default is tested in study-trust.test.ts).
const FAST = { SIMPUL_STUDY_SWEEP_MS: '100', SIMPUL_SITE_APPROVAL: 'auto' };
const DATA: Record<string, number[]> = { a: [1, 2, 3], b: [10, 20], c: [5] };
const ALL = Object.values(DATA).flat();

async function admin(hub: TestHub | { url: string }) {
  return (await login(hub.url, 'admin', 'admin-password')).token;
}

async function sites(base: string, names = ['a', 'b', 'c'], policy: Record<string, object> = {}): Promise<Site[]> {
  const out: Site[] = [];
  for (const n of names) out.push(await registerSite(base, KEY, n, 'd', policy[n]));
  return out;
}

async function study(base: string, token: string, id: string): Promise<StudyView> {
  const r = await call<StudyView>(base, 'GET', `/api/v1/studies/${id}`, { token });
  if (r.status !== 200) throw new Error(`GET study: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

const waitStatus = (base: string, token: string, id: string, status: string) =>
  waitFor(`study ${id} ${status}`, async () => {
    const s = await study(base, token, id);
    if (s.status !== 'running' && s.status !== status)
      throw new Error(`study ended ${s.status}: ${JSON.stringify(s.error)}`);
    return s.status === status ? s : undefined;
  });

/** Each site answers its next offer with the partial of its own values. */
async function deliver(base: string, list: Site[]) {
  for (const s of list) {
    const offer = await nextOffer(base, s);
    await post(base, s, offer, { result: partialFor(offer.params as FederatedRoundParams, DATA[s.name]) });
  }
}

for (const dialect of DIALECTS) {
  const start = (env: Record<string, string> = {}) => startTestHub({ ...FAST, ...env }, dialect as Dialect);

  test(`${dialect}: a summary study fans out to every runner serving the dataset and combines their moments`, async () => {
    const hub = await start();
    try {
      const token = await admin(hub);
      const list = await sites(hub.url);
      await registerSite(hub.url, KEY, 'elsewhere', 'other'); // serves another dataset: not asked
      const r = await call(hub.url, 'POST', '/api/v1/studies', {
        token,
        body: { dataset: 'd', analysis: 'summary', columns: ['x'] },
      });
      assert.is(r.status, 201, JSON.stringify(r.body));
      assert.is(r.body.status, 'running');
      const before = await study(hub.url, token, r.body.study_id);
      assert.is(before.sites, 3);
      assert.equal(
        before.rounds.map((x) => x.tasks.map((t) => t.outcome)),
        [['pending', 'pending', 'pending']],
      );
      assert.equal(new Set(before.rounds[0].tasks.map((t) => t.runner_id)), new Set(list.map((s) => s.runner_id)));
      await deliver(hub.url, list);
      const s = await waitStatus(hub.url, token, r.body.study_id, 'succeeded');
      assert.ok(s.result?.analysis === 'summary');
      if (s.result?.analysis !== 'summary') return;
      const m = ALL.reduce((a, x) => a + x, 0) / ALL.length;
      const variance = ALL.reduce((a, x) => a + (x - m) ** 2, 0) / (ALL.length - 1);
      const col = s.result.columns[0];
      assert.is(col.count, 6);
      assert.ok(
        Math.abs((col.mean ?? 0) - m) < 1e-12 && Math.abs((col.variance ?? 0) - variance) < 1e-12,
        JSON.stringify(col),
      );
      assert.is(col.min, 1);
      assert.is(col.max, 20);
      assert.is(s.result.per_site.length, 3);
      assert.equal(
        s.rounds[0].tasks.map((t) => [t.outcome, t.status]),
        [
          ['delivered', 'succeeded'],
          ['delivered', 'succeeded'],
          ['delivered', 'succeeded'],
        ],
      );
      assert.ok(s.site_list.every((x) => x.status === 'active'));
      // Each sub-task is an ordinary task of the analyst, with its lifecycle.
      const t = await call(hub.url, 'GET', `/api/v1/tasks/${s.rounds[0].tasks[0].task_id}`, { token });
      assert.is(t.body.op, 300);
      assert.is(t.body.params.analysis, 'federated_round');
      assert.is(t.body.target_runner_id, s.rounds[0].tasks[0].runner_id);
      const listed = await call(hub.url, 'GET', '/api/v1/studies', { token });
      assert.equal(
        listed.body.studies.map((x: StudySummary) => [x.study_id, x.status]),
        [[s.study_id, 'succeeded']],
      );
    } finally {
      await hub.cleanup();
    }
  });

  test(`${dialect}: a histogram takes two rounds; the second counts on the global range agreed in the first`, async () => {
    const hub = await start();
    try {
      const token = await admin(hub);
      const list = await sites(hub.url);
      const r = await call(hub.url, 'POST', '/api/v1/studies', {
        token,
        body: { dataset: 'd', analysis: 'histogram', columns: ['x'], bins: 4 },
      });
      await deliver(hub.url, list);
      const second = await nextOffer(hub.url, list[0]);
      const p = second.params as FederatedRoundParams;
      assert.is(p.step, 'histogram');
      assert.equal(p.step === 'histogram' && p.columns, [{ column: 'x', min: 1, max: 20, bins: 4 }]);
      await post(hub.url, list[0], second, { result: partialFor(p, DATA.a) });
      await deliver(hub.url, list.slice(1));
      const s = await waitStatus(hub.url, token, r.body.study_id, 'succeeded');
      assert.equal(
        s.rounds.map((x) => x.step),
        ['range', 'histogram'],
      );
      assert.ok(s.result?.analysis === 'histogram');
      if (s.result?.analysis === 'histogram') assert.equal(s.result.histograms[0].counts, [4, 1, 0, 1]);
    } finally {
      await hub.cleanup();
    }
  });

  test(`${dialect}: a runner that refuses: quorum goes on without it and says so; all fails and names it`, async () => {
    const hub = await start();
    try {
      const token = await admin(hub);
      const [a, b, c] = await sites(hub.url);
      const refuse = async (site: Site) =>
        post(hub.url, site, await nextOffer(hub.url, site), {
          error: { code: 'policy_denied', message: 'dataset "d" does not allow operation 300' },
        });

      const q = await call(hub.url, 'POST', '/api/v1/studies', {
        token,
        body: { dataset: 'd', analysis: 'summary', columns: ['x'], require: 'quorum' },
      });
      await refuse(b);
      await deliver(hub.url, [a, c]);
      const ok = await waitStatus(hub.url, token, q.body.study_id, 'succeeded');
      assert.equal(ok.result?.sites, [a.runner_id, c.runner_id]);
      assert.ok(
        ok.result?.warnings?.some((w) => w.includes(b.runner_id) && w.includes('policy_denied')),
        JSON.stringify(ok.result?.warnings),
      );
      assert.equal(
        ok.site_list.map((x) => [x.name, x.status, x.dropped_in_round, x.error?.code ?? null]),
        [
          ['a', 'active', null, null],
          ['b', 'dropped', 1, 'policy_denied'],
          ['c', 'active', null, null],
        ],
      );
      if (ok.result?.analysis === 'summary') assert.is(ok.result.columns[0].count, 4);

      const all = await call(hub.url, 'POST', '/api/v1/studies', {
        token,
        body: { dataset: 'd', analysis: 'summary', columns: ['x'], require: 'all' },
      });
      await refuse(b);
      let failed = await waitStatus(hub.url, token, all.body.study_id, 'failed');
      assert.is(failed.error?.code, 'op_failed');
      assert.match(failed.error?.message ?? '', /require "all" needs all 3/);
      assert.match(failed.error?.message ?? '', new RegExp(`b \\(${b.runner_id}\\): policy_denied`));
      // The others' sub-tasks were not left waiting: canceled through the task lifecycle.
      const others = (s: StudyView) => s.rounds[0].tasks.filter((t) => t.runner_id !== b.runner_id);
      assert.ok(
        others(failed).every((t) => t.outcome === 'abandoned'),
        JSON.stringify(others(failed)),
      );
      failed = await waitFor('the others canceled', async () => {
        const s = await study(hub.url, token, all.body.study_id);
        return others(s).every((t) => t.status === 'canceled') ? s : undefined;
      });
      assert.is(failed.status, 'failed');
    } finally {
      await hub.cleanup();
    }
  });

  test(`${dialect}: a runner that stays offline is dropped after the grace, and its sub-task canceled`, async () => {
    const hub = await start({ SIMPUL_STUDY_OFFLINE_S: '2' });
    try {
      const token = await admin(hub);
      const [a, b, c] = await sites(hub.url);
      // a and b keep their heartbeat, as live runners do; c never calls in.
      const beat = setInterval(() => void Promise.all([ping(hub.url, a), ping(hub.url, b)]).catch(() => {}), 200);
      const r = await call(hub.url, 'POST', '/api/v1/studies', {
        token,
        body: { dataset: 'd', analysis: 'summary', columns: ['x'], require: 'quorum' },
      });
      const s = await (async () => {
        try {
          await deliver(hub.url, [a, b]);
          return await waitStatus(hub.url, token, r.body.study_id, 'succeeded');
        } finally {
          clearInterval(beat);
        }
      })();
      const gone = s.site_list.find((x) => x.runner_id === c.runner_id);
      assert.is(gone?.status, 'dropped');
      assert.is(gone?.error?.code, 'lost');
      assert.match(gone?.error?.message ?? '', /offline for more than 2 s/);
      const task = s.rounds[0].tasks.find((t) => t.runner_id === c.runner_id);
      assert.equal([task?.outcome, task?.status], ['offline', 'canceled']);
      if (s.result?.analysis === 'summary') assert.is(s.result.columns[0].count, 5);
      // It comes back later: nothing is waiting for it.
      const late = await call(hub.url, 'GET', `/api/v1/tasks?runner_id=${c.runner_id}&wait=0`, { token: c.token });
      assert.equal(late.body.tasks, []);
    } finally {
      await hub.cleanup();
    }
  });

  test(`${dialect}: cancel stops the study and its open sub-tasks; a second cancel is a conflict`, async () => {
    const hub = await start();
    try {
      const token = await admin(hub);
      const [a] = await sites(hub.url);
      const r = await call(hub.url, 'POST', '/api/v1/studies', {
        token,
        body: { dataset: 'd', analysis: 'summary', columns: ['x'] },
      });
      const held = await nextOffer(hub.url, a); // leased: the cancel is pushed to its holder
      const c1 = await call(hub.url, 'POST', `/api/v1/studies/${r.body.study_id}/cancel`, { token });
      assert.equal([c1.status, c1.body], [200, { study_id: r.body.study_id, status: 'canceled' }]);
      const c2 = await call(hub.url, 'POST', `/api/v1/studies/${r.body.study_id}/cancel`, { token });
      assert.is(c2.status, 409);
      const s = await study(hub.url, token, r.body.study_id);
      assert.is(s.status, 'canceled');
      assert.ok(s.rounds[0].tasks.every((t) => t.outcome === 'abandoned'));
      const leased = await call(hub.url, 'GET', `/api/v1/tasks/${held.task_id}`, { token });
      assert.is(leased.body.status, 'leased'); // until its runner confirms
      const ping = await call(hub.url, 'POST', '/api/v1/ping', {
        token: a.token,
        body: { runner_id: a.runner_id, leases: [{ task_id: held.task_id, lease_token: held.lease_token }] },
      });
      assert.equal(ping.body.cancel, [held.task_id]);
    } finally {
      await hub.cleanup();
    }
  });

  test(`${dialect}: a site whose policy keeps its own numbers private hides every site's breakdown`, async () => {
    const hub = await start();
    try {
      const token = await admin(hub);
      const list = await sites(hub.url, ['a', 'b', 'c'], { c: { site_breakdown: false } });
      const r = await call(hub.url, 'POST', '/api/v1/studies', {
        token,
        body: { dataset: 'd', analysis: 'summary', columns: ['x'] },
      });
      await deliver(hub.url, list);
      const s = await waitStatus(hub.url, token, r.body.study_id, 'succeeded');
      assert.equal(s.result?.per_site, []);
      assert.equal(s.per_site_withheld_by, [list[2].runner_id]);
      if (s.result?.analysis === 'summary') assert.is(s.result.columns[0].count, 6);
    } finally {
      await hub.cleanup();
    }
  });
}

test('bad requests: 400 for a bad body or a name given twice, 409 when no runner serves the dataset, 404 for others', async () => {
  const hub = await startTestHub(FAST);
  try {
    const token = await admin(hub);
    const [a] = await sites(hub.url, ['a']);
    const post = (body: unknown, t = token) => call(hub.url, 'POST', '/api/v1/studies', { token: t, body });
    assert.is((await post({ dataset: 'd', analysis: 'summary' })).status, 400);
    assert.is((await post({ dataset: 'd', analysis: 'median', columns: ['x'] })).status, 400);
    const twice = await post({ dataset: 'd', analysis: 'correlation', columns: ['x', 'x'] });
    assert.equal([twice.status, twice.body.error.code], [400, 'invalid_params']);
    const none = await post({ dataset: 'nobody-has-it', analysis: 'summary', columns: ['x'] });
    assert.equal([none.status, none.body.error.code], [409, 'conflict']);
    assert.is(
      (await post({ dataset: 'd', analysis: 'summary', columns: ['x'], runner_ids: ['rnr_nope'] })).status,
      404,
    );
    assert.is(
      (await call(hub.url, 'POST', '/api/v1/studies', { body: { dataset: 'd', analysis: 'summary', columns: ['x'] } }))
        .status,
      401,
    );
    // Explicit runners: only those are asked, even one that does not advertise the dataset.
    const other = await registerSite(hub.url, KEY, 'other', null);
    const ex = await post({
      dataset: 'd',
      analysis: 'summary',
      columns: ['x'],
      runner_ids: [other.runner_id, a.runner_id],
    });
    assert.is(ex.status, 201);
    assert.equal(
      (await study(hub.url, token, ex.body.study_id)).rounds[0].tasks.map((t) => t.runner_name),
      ['other', 'a'],
    );
    // Another analyst sees neither the study nor its listing.
    await addUser(hub.ctx, 'ann');
    const ann = await login(hub.url, 'ann', 'ann-password');
    assert.is((await call(hub.url, 'GET', `/api/v1/studies/${ex.body.study_id}`, { token: ann.token })).status, 404);
    assert.is(
      (await call(hub.url, 'POST', `/api/v1/studies/${ex.body.study_id}/cancel`, { token: ann.token })).status,
      404,
    );
    assert.equal((await call(hub.url, 'GET', '/api/v1/studies', { token: ann.token })).body.studies, []);
    assert.is((await call(hub.url, 'GET', '/api/v1/studies/std_unknown', { token })).status, 404);
  } finally {
    await hub.cleanup();
  }
});

test('the web hears study:update as the study moves', async () => {
  const hub = await startTestHub(FAST);
  const token = await admin(hub);
  const web = await connectWeb(hub.url, { token });
  try {
    const seen: StudySummary[] = [];
    web.on('study:update', (s) => seen.push(s));
    const list = await sites(hub.url);
    const r = await call(hub.url, 'POST', '/api/v1/studies', {
      token,
      body: { dataset: 'd', analysis: 'summary', columns: ['x'] },
    });
    await waitFor('a running update', () => seen.some((s) => s.study_id === r.body.study_id && s.status === 'running'));
    await deliver(hub.url, list);
    await waitFor('a succeeded update', () =>
      seen.some((s) => s.study_id === r.body.study_id && s.status === 'succeeded'),
    );
  } finally {
    web.close();
    await hub.cleanup();
  }
});

test('a study survives a hub restart between two deliveries of a round', async () => {
  const { config, cleanup } = testConfig('sqlite', { ...FAST });
  let hub = await createHub(config, { drainMs: 500 });
  try {
    const token = await admin(hub);
    const [a, b, c] = await sites(hub.url);
    const r = await call(hub.url, 'POST', '/api/v1/studies', {
      token,
      body: { dataset: 'd', analysis: 'histogram', columns: ['x'], bins: 4 },
    });
    await deliver(hub.url, [a, b]);
    const held = await nextOffer(hub.url, c); // c holds its round-1 task across the restart
    await hub.close();
    hub = await createHub(config, { drainMs: 500 });
    const token2 = await admin(hub);
    await post(hub.url, c, held, { result: partialFor(held.params as FederatedRoundParams, DATA.c) });
    await deliver(hub.url, [a, b, c]);
    const s = await waitStatus(hub.url, token2, r.body.study_id, 'succeeded');
    assert.equal(
      s.rounds.map((x) => x.tasks.length),
      [3, 3],
    );
    if (s.result?.analysis === 'histogram') assert.equal(s.result.histograms[0].counts, [4, 1, 0, 1]);
  } finally {
    await hub.close();
    await cleanup();
  }
});

test.run();
