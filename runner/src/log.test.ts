// The runner's logger: pino JSON lines (a task's lines carry task_id and request_id), and the tap that keeps problems for status.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createLogger, type LogFields, tapProblems } from './log.ts';

test('a task logger puts task_id and request_id on every line', () => {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger('info', { runner: 'lab' }, (l) => lines.push(JSON.parse(l)));
  const task = log.child({ task_id: 'tsk_1', request_id: 'req_abc' });
  task.info('task accepted', { timeout_s: 60 });
  task.warn('op threw', { error: 'bad' });
  task.debug('not at info');
  assert.is(lines.length, 2);
  for (const l of lines) {
    assert.is(l.runner, 'lab');
    assert.is(l.task_id, 'tsk_1');
    assert.is(l.request_id, 'req_abc');
  }
  assert.equal(
    lines.map((l) => [l.level, l.msg]),
    [
      ['info', 'task accepted'],
      ['warn', 'op threw'],
    ],
  );
});

test('tapProblems passes every line on and hands warnings and errors, with child fields, to the status file', () => {
  const lines: string[] = [];
  const seen: [string, string, LogFields][] = [];
  const log = tapProblems(
    createLogger('debug', {}, (l) => lines.push(l)),
    (level, msg, fields) => seen.push([level, msg, fields]),
  );
  log.info('connected');
  log.child({ task_id: 'tsk_2' }).error('result refused', { error: 'stale' });
  log.warn('socket disconnected', { reason: 'transport close' });
  assert.is(lines.length, 3);
  assert.equal(seen, [
    ['error', 'result refused', { task_id: 'tsk_2', error: 'stale' }],
    ['warn', 'socket disconnected', { reason: 'transport close' }],
  ]);
});

test.run();
