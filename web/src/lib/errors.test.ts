import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ApiError, taskErrorText, unavailable } from './errors.ts';

test('a missing endpoint is told apart from a missing user or key', () => {
  assert.ok(unavailable(new ApiError('not_found', 404, 'no route GET /api/v1/users')));
  assert.ok(unavailable(new ApiError('not_found', 404, 'nothing at /api/v1/users'), true), 'a list that is not found');
  assert.not.ok(unavailable(new ApiError('not_found', 404, 'no user u_1')), 'a missing user is not a missing feature');
  assert.ok(unavailable(new ApiError('http', 405, 'Method Not Allowed')));
  assert.not.ok(unavailable(new ApiError('forbidden', 403, 'admins only'), true));
  assert.not.ok(unavailable(new Error('boom'), true));
});

test("a result the data owner did not release is explained, with the runner's own message kept", () => {
  const denied = taskErrorText({
    code: 'release_denied',
    message: 'the data owner did not release this result: groups too fine',
  });
  assert.match(denied.lead ?? '', /did not release it/);
  assert.is(denied.message, 'the data owner did not release this result: groups too fine');
  assert.match(taskErrorText({ code: 'release_expired', message: 'x' }).lead ?? '', /review_ttl/);
});

test.run();
