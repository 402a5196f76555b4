// A request id follows a task: the analyst's x-request-id is in the hub's log lines and in every runner log line of the task.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { PATIENTS_CSV } from '../lib/data.ts';
import { HubProc } from '../lib/hub.ts';
import { waitFor } from '../lib/procs.ts';
import { RunnerProc } from '../lib/runner.ts';

type Line = Record<string, unknown> & { msg?: string };

/** The JSON log lines of a process (anything else it printed is skipped). */
function jsonLines(text: string): Line[] {
  const out: Line[] = [];
  for (const l of text.split('\n')) {
    if (!l.startsWith('{')) continue;
    try {
      out.push(JSON.parse(l) as Line);
    } catch {
      // a line cut by the read: ignore
    }
  }
  return out;
}

for (const transport of ['websocket', 'polling'] as const) {
  const t = suite(`request id over ${transport}`);
  let hub: HubProc;
  let runner: RunnerProc;

  t.before(async () => {
    hub = await HubProc.start();
    runner = await RunnerProc.start(hub, {
      name: `rid-${transport}`,
      transport,
      datasets: [{ name: 'patients', path: PATIENTS_CSV }],
    });
  });
  t.after(async () => {
    await runner?.stop();
    await hub?.stop();
  });

  t('the hub and the runner log the task with the request id it was created with', async () => {
    const requestId = `req-e2e-${transport}-4711`;
    const c = await hub.api.post(
      '/api/v1/tasks',
      { op: 100, params: { dataset: 'patients', limit: 3 } },
      { headers: { 'x-request-id': requestId } },
    );
    assert.is(c.status, 201, JSON.stringify(c.body));
    assert.is(c.headers.get('x-request-id'), requestId);
    const taskId: string = c.body.task_id;
    assert.is((await hub.api.waitTask(taskId)).status, 'succeeded');

    // Hub: the creation (info) and the hand-over to the runner (debug), both with the request id.
    const hubLines = () => jsonLines(hub.proc.logs);
    const created = hubLines().find((l) => l.msg === 'tasks created' && l.request_id === requestId);
    assert.ok(created, 'the hub logs the created task with the request id');
    assert.ok((created.task_ids as string[]).includes(taskId));
    assert.ok(
      hubLines().some(
        (l) =>
          l.msg === 'http request' && l.request_id === requestId && l.route === '/api/v1/tasks' && l.status === 201,
      ),
    );
    assert.ok(
      hubLines().some((l) => l.msg === 'offer' && l.task_id === taskId && l.request_id === requestId),
      'the offer to the runner is logged with it',
    );

    // Runner: every line about the task names the task and the request id.
    const mine = await waitFor(() => {
      const lines = jsonLines(runner.proc.logs).filter((l) => l.task_id === taskId);
      return lines.some((l) => l.msg === 'task finished') ? lines : undefined;
    }, 'the runner to log the finished task');
    assert.ok(mine.some((l) => l.msg === 'task accepted'));
    for (const l of mine) assert.is(l.request_id, requestId, `runner line "${l.msg}" carries the request id`);
    assert.ok(
      mine.every((l) => typeof l.time === 'string' && ['debug', 'info', 'warn', 'error'].includes(String(l.level))),
      'pino JSON lines',
    );
  });

  t('without an x-request-id the hub mints one, and it still reaches the runner', async () => {
    const c = await hub.api.post('/api/v1/tasks', { op: 100, params: { dataset: 'patients', limit: 1 } });
    const minted = c.headers.get('x-request-id') ?? '';
    assert.match(minted, /^req_/);
    await hub.api.waitTask(c.body.task_id);
    const line = await waitFor(
      () => jsonLines(runner.proc.logs).find((l) => l.task_id === c.body.task_id && l.msg === 'task finished'),
      'the finished line',
    );
    assert.is(line.request_id, minted);
  });

  t.run();
}
