// The hub's logger: pino JSON lines with a level name, an ISO time, child fields, and errors with their stack.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createLogger } from './log.ts';

function capture(level: Parameters<typeof createLogger>[0]) {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger(level, { svc: 'hub' }, (l) => lines.push(JSON.parse(l)));
  return { log, lines };
}

test('one JSON line per event: level name, ISO time, base and child fields, message', () => {
  const { log, lines } = capture('info');
  log.child({ request_id: 'req_1' }).info('tasks created', { count: 2 });
  assert.is(lines.length, 1);
  const [line] = lines;
  assert.equal(Object.keys(line), ['level', 'time', 'svc', 'request_id', 'count', 'msg']);
  assert.is(line.level, 'info');
  assert.match(String(line.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.is(line.msg, 'tasks created');
});

test('SIMPUL_LOG_LEVEL filters: debug lines only at debug, nothing at silent', () => {
  const info = capture('info');
  info.log.debug('hidden');
  info.log.warn('shown');
  assert.equal(
    info.lines.map((l) => l.msg),
    ['shown'],
  );
  const silent = capture('silent');
  silent.log.error('never');
  assert.is(silent.lines.length, 0);
  const debug = capture('debug');
  debug.log.debug('seen');
  assert.is(debug.lines[0].level, 'debug');
});

test('errors keep their type, message and stack under any field name', () => {
  const { log, lines } = capture('info');
  log.error('request failed', { err: new TypeError('boom'), cause: new RangeError('deeper') });
  const err = lines[0].err as Record<string, string>;
  assert.is(err.type, 'TypeError');
  assert.is(err.message, 'boom');
  assert.match(err.stack, /TypeError: boom/);
  assert.is((lines[0].cause as Record<string, string>).type, 'RangeError');
});

test.run();
