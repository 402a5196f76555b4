// "Load more" for op 100/200: the next page by offset, run as a new task on the same runner (it passes that runner's
// release gate and counts against the analyst's row budget like any page), and its rows once it has ended.
import { isFinal, type RowsResult, type TaskView } from '@simpul/protocol';
import { api } from './api.ts';
import { nextPage } from './rows-note.ts';
import { readResult } from './result-view.ts';

/** Seconds the hub holds each wait for the page's task. */
const WAIT_S = 20;

/** The rows after the `shown` ones of `task`'s result `first`, and the new task's id; null when none are left. */
export async function loadMore(
  task: TaskView,
  first: RowsResult,
  shown: number,
): Promise<{ taskId: string; rows: RowsResult['rows'] } | null> {
  const page = nextPage(first, shown);
  if (!page) return null;
  const created = await api.createTask({
    op: task.op,
    ...(task.runner_id ? { runner_id: task.runner_id } : {}),
    params: { ...task.params, ...page },
  });
  let view = await api.result(created.task_id, WAIT_S);
  while (!isFinal(view.status)) view = await api.result(created.task_id, WAIT_S);
  if (view.status !== 'succeeded')
    throw new Error(view.error?.message ?? `the task for the next rows ${view.status} (${created.task_id})`);
  const shape = readResult(task.op, view.result);
  if (shape.kind !== 'rows') throw new Error('the next rows came back in an unexpected shape');
  return { taskId: created.task_id, rows: shape.rows.rows };
}
