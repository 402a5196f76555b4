// Study rows as the API shows them: the summary (lists, socket) and the full view (rounds × runners, result).
import {
  describeStudy,
  FederatedStep,
  StudyResult,
  type StudyRound,
  type StudySite,
  type StudySummary,
  type StudyView,
} from '@simpul/protocol';
import type { Db } from '../db/schema.ts';
import { fromJson, iso, isoOrNull } from '../store/json.ts';
import { getTasks } from '../queue/tasks.ts';
import { taskParams } from '../store/views.ts';
import { outcomeOf } from './judge.ts';
import { runnerMap, studyData, studyLinks, type StudyRow } from './store.ts';

export function studySummary(row: StudyRow): StudySummary {
  const data = studyData(row);
  return {
    study_id: row.id,
    dataset: row.dataset,
    analysis: (data?.request.analysis ?? row.analysis) as StudySummary['analysis'],
    description: data ? describeStudy(data.request) : `${row.analysis} on ${row.dataset}`,
    require: row.require,
    status: row.status,
    round: row.round,
    sites: data?.sites.length ?? 0,
    error: data?.error ?? null,
    created_by: row.created_by,
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
    finished_at: isoOrNull(row.finished_at),
  };
}

export async function studyView(db: Db, row: StudyRow): Promise<StudyView> {
  const data = studyData(row);
  if (!data) throw new Error(`study ${row.id} no longer parses`);
  // The tasks are read before the links' verdicts: a study writes a sub-task's verdict before it cancels the task
  // (studies/cancel.ts), so a view never shows a task it canceled without the verdict that says why.
  const listed = await studyLinks(db, row.id);
  const tasks = new Map(
    (
      await getTasks(
        db,
        listed.map((l) => l.task_id),
      )
    ).map((t) => [t.id, t]),
  );
  const verdicts = new Map((await studyLinks(db, row.id)).map((l) => [l.task_id, l] as const));
  const links = listed.map((l) => verdicts.get(l.task_id) ?? l);
  const runners = await runnerMap(db, [...new Set([...data.sites, ...links.map((l) => l.runner_id)])]);

  const rounds: StudyRound[] = [];
  const dropped = new Map<string, StudySite>();
  for (const link of links) {
    const j = outcomeOf(link, tasks.get(link.task_id));
    // An ended study cancels what is still open right after it ends: it no longer waits for it either way.
    if (j.outcome === 'pending' && row.status !== 'running') j.outcome = 'abandoned';
    let round = rounds.find((r) => r.round === link.round);
    if (!round) {
      const step = j.task ? FederatedStep.safeParse(taskParams(j.task).step) : undefined;
      round = { round: link.round, step: step?.success ? step.data : data.state.step, tasks: [] };
      rounds.push(round);
    }
    round.tasks.push({
      runner_id: link.runner_id,
      runner_name: runners.get(link.runner_id)?.name ?? null,
      task_id: link.task_id,
      status: j.task?.status ?? 'failed',
      attempt: j.task?.attempt ?? 0,
      outcome: j.outcome,
      error: j.error,
    });
    if ((j.outcome === 'failed' || j.outcome === 'offline') && !dropped.has(link.runner_id)) {
      dropped.set(link.runner_id, {
        runner_id: link.runner_id,
        name: runners.get(link.runner_id)?.name ?? null,
        status: 'dropped',
        dropped_in_round: link.round,
        error: j.error,
      });
    }
  }
  rounds.sort((a, b) => a.round - b.round);
  for (const r of rounds) r.tasks.sort((x, y) => data.sites.indexOf(x.runner_id) - data.sites.indexOf(y.runner_id));
  const site_list = data.sites.map(
    (id): StudySite =>
      dropped.get(id) ?? {
        runner_id: id,
        name: runners.get(id)?.name ?? null,
        status: 'active',
        dropped_in_round: null,
        error: null,
      },
  );
  return {
    ...studySummary(row),
    request: data.request,
    site_list,
    rounds,
    result: fromJson(row.result, StudyResult.nullable(), null, { table: 'studies', id: row.id, column: 'result' }),
    per_site_withheld_by: data.withheldBy,
  };
}
