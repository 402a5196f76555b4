// The Tasks list's filters: from the URL and back, the hub's query, and the same rules for tasks that arrive live.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { StudySummary, TaskView } from '@simpul/protocol';
import {
  filterFromUrl,
  hubQuery,
  isFiltered,
  listEntries,
  studyMatches,
  taskMatches,
  withFilter,
} from './task-filter.ts';

const task = (over: Partial<TaskView>): TaskView => ({
  task_id: 't_1',
  op: 300,
  params: {},
  name: null,
  description: 'Logistic: diabetes ~ age + bmi on patients',
  study_id: null,
  dataset: 'patients',
  target_runner_id: null,
  runner_id: 'r_1',
  status: 'succeeded',
  attempt: 1,
  max_attempts: 3,
  timeout_s: 60,
  progress: 100,
  progress_message: null,
  created_by: 'u',
  created_at: '2026-01-01T00:00:02.000Z',
  updated_at: '2026-01-01T00:00:02.000Z',
  started_at: null,
  finished_at: null,
  error: null,
  ...over,
});

const study = (over: Partial<StudySummary>): StudySummary => ({
  study_id: 's_1',
  dataset: 'patients',
  analysis: 'summary',
  description: 'Summary of age on patients',
  require: 'all',
  status: 'succeeded',
  round: 1,
  sites: 2,
  error: null,
  created_by: 'u',
  created_at: '2026-01-01T00:00:01.000Z',
  updated_at: '2026-01-01T00:00:01.000Z',
  finished_at: null,
  ...over,
});

test('the URL holds the filters; bad values are ignored; setting one keeps the others', () => {
  const f = filterFromUrl(new URLSearchParams('q=diabetes&status=running&op=300&dataset=p&runner=r_1'));
  assert.equal(f, { q: 'diabetes', status: 'running', op: 300, dataset: 'p', runner: 'r_1' });
  assert.equal(filterFromUrl(new URLSearchParams('status=done&op=7')), {
    q: '',
    status: '',
    op: '',
    dataset: '',
    runner: '',
  });
  assert.not.ok(isFiltered(filterFromUrl(new URLSearchParams(''))));
  const url = withFilter(new URL('http://h/tasks?status=failed'), 'q', 'bmi age');
  assert.is(url.search, '?status=failed&q=bmi+age');
  assert.is(withFilter(url, 'status', '').search, '?q=bmi+age');
  assert.equal(hubQuery(f, 200), {
    q: 'diabetes',
    status: 'running',
    op: 300,
    dataset: 'p',
    runner_id: 'r_1',
    rounds: 'exclude',
    limit: 200,
  });
});

test('live tasks are filtered as the hub does: all words in name, description or id; study rounds left out', () => {
  const none = filterFromUrl(new URLSearchParams(''));
  const t = task({ name: 'Cohort A' });
  assert.ok(taskMatches(t, none));
  assert.ok(taskMatches(t, { ...none, q: 'COHORT bmi' }));
  assert.ok(taskMatches(t, { ...none, q: 't_1' }));
  assert.not.ok(taskMatches(t, { ...none, q: 'cohort salary' }));
  assert.not.ok(taskMatches(t, { ...none, op: 200 }));
  assert.not.ok(taskMatches(t, { ...none, status: 'failed' }));
  assert.not.ok(taskMatches(t, { ...none, dataset: 'flights' }));
  assert.ok(taskMatches(task({ runner_id: null, target_runner_id: 'r_2' }), { ...none, runner: 'r_2' }));
  assert.not.ok(taskMatches(t, { ...none, runner: 'r_2' }));
  assert.not.ok(taskMatches(task({ study_id: 's_1' }), none), 'a round is listed under its study');
});

test('studies show in the Tasks list for analyses without a runner filter; entries are newest first', () => {
  const none = filterFromUrl(new URLSearchParams(''));
  const s = study({});
  assert.ok(studyMatches(s, none));
  assert.ok(studyMatches(s, { ...none, op: 300, q: 'summary age' }));
  assert.not.ok(studyMatches(s, { ...none, op: 200 }));
  assert.not.ok(studyMatches(s, { ...none, runner: 'r_1' }));
  assert.not.ok(studyMatches(s, { ...none, status: 'running' }));
  assert.not.ok(studyMatches(s, { ...none, q: 'logistic' }));
  const entries = listEntries([task({ created_at: '2026-01-01T00:00:00.000Z', task_id: 'old' }), task({})], [s]);
  assert.equal(
    entries.map((e) => (e.kind === 'task' ? e.task.task_id : e.study.study_id)),
    ['t_1', 's_1', 'old'],
  );
});

test.run();
