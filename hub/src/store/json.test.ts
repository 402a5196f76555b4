// JSON columns read back: NULL gives the fallback; text that is not JSON, or not the column's shape, is an error that
// names the table, the row and the column (a default would hide the corruption).
import { ErrorInfo } from '@simpul/protocol';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { z } from 'zod';
import { fromJson, StoredJsonError, toJson } from './json.ts';

const at = { table: 'tasks', id: 'tsk_1', column: 'error' };

test('a stored value comes back through its schema; NULL is the fallback', () => {
  const error = { code: 'op_failed', message: 'no' };
  assert.equal(fromJson(toJson(error), ErrorInfo.nullable(), null, at), error);
  assert.is(fromJson(null, ErrorInfo.nullable(), null, at), null);
  assert.equal(fromJson(null, z.array(z.string()), [], at), []);
});

test('text that is not JSON throws, naming the table, row and column', () => {
  try {
    fromJson('{"code": "op_fa', ErrorInfo.nullable(), null, at);
    assert.unreachable('it returned');
  } catch (e) {
    assert.instance(e, StoredJsonError);
    assert.equal((e as StoredJsonError).at, at);
    assert.match((e as Error).message, /^corrupt JSON in tasks\.error of row tsk_1: not JSON/);
  }
});

test('JSON of the wrong shape throws too, with where in the value it went wrong', () => {
  const labels = { table: 'runners', id: 'run_9', column: 'labels' };
  assert.throws(
    () => fromJson('["gpu", 7]', z.array(z.string()), [], labels),
    (e: Error) =>
      e instanceof StoredJsonError &&
      /^corrupt JSON in runners\.labels of row run_9: not the expected shape at 1: /.test(e.message),
  );
  assert.throws(() => fromJson('{"code": 1}', ErrorInfo.nullable(), null, at), /tasks\.error of row tsk_1/);
});

test.run();
