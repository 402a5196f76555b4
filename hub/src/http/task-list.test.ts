// The task list as a history: names, descriptions, search and filters (op, status, dataset, runner, study rounds),
// scoped to the caller; on SQLite and PostgreSQL.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TaskList, TaskView, type TaskCreateInput } from '@simpul/protocol';
import { call, login } from '../testing/http.ts';
import { addUser, DIALECTS, startTestHub, type Dialect, type TestHub } from '../testing/support.ts';
import { registerSite } from '../studies/test-sites.ts';

const KEY = 'test-enrollment-key';

async function create(hub: TestHub, token: string, body: TaskCreateInput): Promise<string> {
  const r = await call(hub.url, 'POST', '/api/v1/tasks', { token, body });
  if (r.status !== 201) throw new Error(`create: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.task_id;
}

async function list(hub: TestHub, token: string, query: string): Promise<TaskView[]> {
  const r = await call(hub.url, 'GET', `/api/v1/tasks?${query}`, { token });
  if (r.status !== 200) throw new Error(`list ${query}: ${r.status} ${JSON.stringify(r.body)}`);
  return TaskList.parse(r.body).tasks;
}

const ids = (tasks: TaskView[]) => new Set(tasks.map((t) => t.task_id));

const LOGISTIC: TaskCreateInput = {
  op: 300,
  params: { dataset: 'patients', analysis: 'logistic_regression', target: 'diabetes', features: ['age', 'bmi'] },
};
const FILTER: TaskCreateInput = {
  op: 200,
  params: { dataset: 'flights', where: { column: 'dep_delay', op: '>', value: 60 } },
};
const DESCRIBE: TaskCreateInput = {
  op: 300,
  params: { dataset: 'staff', analysis: 'describe', columns: ['salary', 'age'] },
};

for (const dialect of DIALECTS) {
  test(`${dialect}: a name is stored and returned; descriptions say what each task does; bad names get 400`, async () => {
    const hub = await startTestHub({}, dialect as Dialect);
    try {
      const token = (await login(hub.url, 'admin', 'admin-password')).token;
      const named = await create(hub, token, { ...LOGISTIC, name: '  Diabetes risk, 2026 cohort ' });
      const unnamed = await create(hub, token, FILTER);
      const one = TaskView.parse((await call(hub.url, 'GET', `/api/v1/tasks/${named}`, { token })).body);
      assert.is(one.name, 'Diabetes risk, 2026 cohort', 'trimmed');
      assert.is(one.description, 'Logistic: diabetes ~ age + bmi on patients');
      assert.is(one.study_id, null);
      const listed = await list(hub, token, '');
      assert.equal(
        listed.map((t) => [t.task_id, t.name, t.description]),
        [
          [unnamed, null, 'Filter flights: dep_delay > 60'],
          [named, 'Diabetes risk, 2026 cohort', 'Logistic: diabetes ~ age + bmi on patients'],
        ],
      );
      for (const name of ['', '   ', 'x'.repeat(121), 'two\nlines']) {
        const bad = await call(hub.url, 'POST', '/api/v1/tasks', { token, body: { ...FILTER, name } });
        assert.is(bad.status, 400, JSON.stringify(name));
        assert.equal(
          bad.body.error.details.map((d: { path: string }) => d.path),
          ['name'],
        );
      }
      const batch = await call(hub.url, 'POST', '/api/v1/tasks', {
        token,
        body: [
          { ...DESCRIBE, name: 'first' },
          { ...DESCRIBE, name: 'second' },
        ],
      });
      assert.is(batch.status, 201);
      const names = await list(hub, token, 'dataset=staff');
      assert.equal(names.map((t) => t.name).sort(), ['first', 'second']);
    } finally {
      await hub.cleanup();
    }
  });

  test(`${dialect}: search and filters narrow the list, combine, and stay within the caller's own tasks`, async () => {
    const hub = await startTestHub({}, dialect as Dialect);
    try {
      const admin = (await login(hub.url, 'admin', 'admin-password')).token;
      await addUser(hub, 'ana');
      const ana = (await login(hub.url, 'ana', 'ana-password')).token;
      const logistic = await create(hub, ana, { ...LOGISTIC, name: 'Cohort A' });
      const filter = await create(hub, ana, { ...FILTER, name: '50%_late' });
      const describe = await create(hub, ana, DESCRIBE);
      const adminsOwn = await create(hub, admin, { ...LOGISTIC, name: 'Cohort B' });

      assert.equal(ids(await list(hub, ana, 'op=300')), new Set([logistic, describe]));
      assert.equal(ids(await list(hub, ana, 'op=200')), new Set([filter]));
      assert.equal(ids(await list(hub, ana, 'dataset=patients')), new Set([logistic]), 'the admin task is not ana’s');
      assert.equal(ids(await list(hub, ana, 'status=queued&op=300&dataset=staff')), new Set([describe]));
      assert.equal(ids(await list(hub, ana, 'status=succeeded')), new Set());
      // Words are matched in the name, the description or the id, case-insensitively, all of them.
      assert.equal(ids(await list(hub, ana, 'q=cohort')), new Set([logistic]), 'a name; not the admin’s Cohort B');
      assert.equal(ids(await list(hub, ana, 'q=LOGISTIC%20bmi')), new Set([logistic]));
      assert.equal(ids(await list(hub, ana, 'q=salary')), new Set([describe]));
      assert.equal(ids(await list(hub, ana, 'q=salary%20bmi')), new Set());
      assert.equal(ids(await list(hub, ana, `q=${describe}`)), new Set([describe]));
      assert.equal(ids(await list(hub, ana, 'q=%25_')), new Set([filter]), '% and _ are literal');
      assert.equal(ids(await list(hub, ana, 'q=x%25y')), new Set());
      assert.equal(ids(await list(hub, ana, "q=dep_delay'%20or%201%3D1--")), new Set(), 'values are parameters');
      assert.equal(ids(await list(hub, admin, 'q=cohort')), new Set([logistic, adminsOwn]), 'an admin sees all');

      for (const bad of ['op=999', 'op=abc', 'status=done', `q=${'x'.repeat(201)}`, 'rounds=some', 'study_id=a%20b']) {
        const r = await call(hub.url, 'GET', `/api/v1/tasks?${bad}`, { token: ana });
        assert.is(r.status, 400, bad);
        assert.is(r.body.error.code, 'bad_request');
      }
    } finally {
      await hub.cleanup();
    }
  });

  test(`${dialect}: a study's rounds can be left out of the list, or listed alone under their study`, async () => {
    const hub = await startTestHub({ SIMPUL_SITE_APPROVAL: 'auto' }, dialect as Dialect);
    try {
      const token = (await login(hub.url, 'admin', 'admin-password')).token;
      for (const n of ['a', 'b']) await registerSite(hub.url, KEY, n, 'd');
      const plain = await create(hub, token, { op: 100, params: { dataset: 'd' } });
      const made = await call(hub.url, 'POST', '/api/v1/studies', {
        token,
        body: { dataset: 'd', analysis: 'summary', columns: ['x'] },
      });
      assert.is(made.status, 201, JSON.stringify(made.body));
      const studyId: string = made.body.study_id;
      const all = await list(hub, token, 'dataset=d');
      const rounds = all.filter((t) => t.study_id === studyId);
      assert.is(rounds.length, 2, 'one round-1 task per site');
      assert.ok(rounds.every((t) => t.description.startsWith('Study round 1 (moments of x) on d')));
      assert.equal(ids(await list(hub, token, 'dataset=d&rounds=exclude')), new Set([plain]));
      assert.equal(ids(await list(hub, token, `study_id=${studyId}`)), ids(rounds));
      assert.equal(ids(await list(hub, token, `study_id=${studyId}&rounds=exclude`)), new Set());
      const studies = await call(hub.url, 'GET', '/api/v1/studies', { token });
      assert.is(studies.body.studies[0].description, 'Summary of x on d');
    } finally {
      await hub.cleanup();
    }
  });
}

test.run();
