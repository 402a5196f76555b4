// Routes for users: create, list, read and cancel tasks; read results.
import type { Hono } from 'hono';
import {
  ErrorInfo,
  isFinal,
  ResultQuery,
  ROUTES,
  TaskCreateBody,
  TaskListQuery,
  type ResultView,
  type TaskList,
  type TaskView,
} from '@simpul/protocol';
import { z } from 'zod';
import type { TaskRow } from '../db/schema.ts';
import { withDownloadLink } from '../blobs/links.ts';
import { auditRequest } from '../audit/audit.ts';
import { limitsOf } from '../auth/limits.ts';
import { cancelTask } from '../queue/cancel.ts';
import { checkTaskCreate, tasksCreatedAudit, visibleTask } from './guards/task.ts';
import { enqueue } from '../queue/enqueue.ts';
import { datasetWarnings } from '../queue/dataset-warnings.ts';
import { fromJson } from '../store/json.ts';
import { listAttempts } from '../queue/attempts.ts';
import { getTask, listTasks } from '../queue/tasks.ts';
import { taskView } from '../store/views.ts';
import { callerOf, isAdmin, requireUser, type UserCaller } from './guards/caller.ts';
import type { Ctx, HubEnv } from './env.ts';
import { claimRoute } from './runner-routes.ts';
import { readBody, readQuery } from './parse.ts';

/**
 * Changes are announced in this hub's process; a task finished through another hub of a cluster is seen by looking
 * again every RECHECK_MS.
 */
const RECHECK_MS = 1000;

/** The task once it has ended, or as it is when `ms` have passed or the client has gone. */
async function untilEnded(c: Ctx, user: UserCaller, task: TaskRow, ms: number): Promise<TaskRow> {
  const hub = c.get('hub');
  const leave = limitsOf(hub).resultWaits.enter(user.user.id);
  try {
    const stop = AbortSignal.any([c.req.raw.signal, hub.closing]);
    const deadline = Date.now() + ms;
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0 || stop.aborted) return task;
      // Listen first, then look: a change made in between is not missed.
      const step = new AbortController();
      const woken = hub.events.waitTask(task.id, Math.min(left, RECHECK_MS), AbortSignal.any([stop, step.signal]));
      task = (await getTask(hub.db, task.id)) ?? task;
      if (isFinal(task.status)) {
        step.abort();
        return task;
      }
      await woken;
    }
  } finally {
    leave();
  }
}

export function taskRoutes(app: Hono<HubEnv>): void {
  app.post(ROUTES.createTask.path, async (c) => {
    const user = await requireUser(c);
    const body = await readBody(c, TaskCreateBody);
    const inputs = Array.isArray(body) ? body : [body];
    await checkTaskCreate(c, user, inputs); // rate limit and runner access
    const requestId = c.get('requestId') ?? null;
    // Stored with its audit entries in a group commit; answered once that committed.
    const audit = tasksCreatedAudit(c, inputs);
    const created = await enqueue(c.get('hub'), inputs, user.user.id, Date.now(), requestId, audit);
    (await datasetWarnings(c.get('hub').db, user.user, inputs)).forEach((w, i) => w && (created[i].warnings = w));
    c.get('hub').log.info('tasks created', {
      request_id: requestId,
      user_id: user.user.id,
      count: created.length,
      task_ids: created.slice(0, 50).map((t) => t.task_id),
    });
    return c.json(Array.isArray(body) ? { tasks: created } : created[0], 201);
  });

  // One path, two callers: a runner claims work, a user lists tasks.
  app.get(ROUTES.claim.path, async (c) => {
    const caller = await callerOf(c);
    if (caller.kind === 'runner') return claimRoute(c);
    const user = await requireUser(c);
    const q = readQuery(c, TaskListQuery);
    const rows = await listTasks(c.get('hub').db, q, isAdmin(user) ? undefined : user.user.id);
    const reply: TaskList = { tasks: rows.map((r) => taskView(r)) };
    return c.json(reply);
  });

  app.get(ROUTES.getTask.path, async (c) => {
    const user = await requireUser(c);
    const task = await visibleTask(c, user);
    const view: TaskView = taskView(task, await listAttempts(c.get('hub').db, task));
    return c.json(view);
  });

  app.post(ROUTES.cancelTask.path, async (c) => {
    const user = await requireUser(c);
    const task = await visibleTask(c, user);
    const canceled = await cancelTask(c.get('hub'), task.id, user.user.username);
    await auditRequest(c, {
      action: 'task.canceled',
      target: { kind: 'task', id: task.id },
      details: { runner_id: task.runner_id, dataset: task.dataset, op: task.op },
    });
    return c.json(canceled);
  });

  app.get(ROUTES.getResult.path, async (c) => {
    const user = await requireUser(c);
    const q = readQuery(c, ResultQuery);
    let task = await visibleTask(c, user);
    if (q.wait > 0 && !isFinal(task.status)) task = await untilEnded(c, user, task, q.wait * 1000);
    const view: ResultView = {
      task_id: task.id,
      status: task.status,
      progress: task.progress,
      error: fromJson(task.error, ErrorInfo.nullable(), null, { table: 'tasks', id: task.id, column: 'error' }),
    };
    if (task.status === 'succeeded')
      await auditRequest(c, {
        action: 'result.downloaded',
        target: { kind: 'task', id: task.id },
        details: { dataset: task.dataset, op: task.op },
      });
    if (task.result !== null)
      view.result = withDownloadLink(
        task,
        fromJson(task.result, z.unknown(), null, { table: 'tasks', id: task.id, column: 'result' }),
      );
    return c.json(view);
  });
}
