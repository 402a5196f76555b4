// Runner names are unique among runners that are not revoked (issue #16, attack 1): a second runner cannot enrol as
// the first, not even by racing it, and a single-use key is not lost to a name that was taken.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PROTOCOL_VERSION } from '@simpul/protocol';
import { createEnrollmentKey } from '../auth/enrollment.ts';
import { addUser, DIALECTS, startTestHub } from '../testing/support.ts';
import { call, login } from '../testing/http.ts';

const enrol = (url: string, name: string, key = 'test-enrollment-key') =>
  call(url, 'POST', '/api/v1/register', { body: { enrollment_key: key, name, protocol_version: PROTOCOL_VERSION } });

for (const dialect of DIALECTS) {
  test(`${dialect}: ten enrolments racing for one name: one runner gets it, nine get 409 naming it`, async () => {
    const hub = await startTestHub({}, dialect);
    try {
      const replies = await Promise.all(Array.from({ length: 10 }, () => enrol(hub.url, 'staff-site')));
      const won = replies.filter((r) => r.status === 201);
      assert.is(won.length, 1, replies.map((r) => r.status).join(' '));
      const lost = replies.filter((r) => r.status === 409);
      assert.is(lost.length, 9);
      for (const r of lost) {
        assert.is(r.body.error.details.runner_id, won[0].body.runner_id);
        assert.ok(r.body.error.message.includes(won[0].body.runner_id));
      }
      const live = await hub.db.selectFrom('runners').select('id').where('name', '=', 'staff-site').execute();
      assert.is(live.length, 1);
    } finally {
      await hub.cleanup();
    }
  });
}

test("a revoked runner's name is free again; a single-use key survives a refused name", async () => {
  const hub = await startTestHub();
  try {
    const admin = (await login(hub.url, 'admin', 'admin-password')).token;
    const first = await enrol(hub.url, 'ward');
    assert.is(first.status, 201);
    const user = await addUser(hub.ctx, 'keeper', 'admin');
    const once = await createEnrollmentKey(hub.db, { name: 'once', single_use: true }, user.id);
    assert.is((await enrol(hub.url, 'ward', once.key)).status, 409);
    assert.is(
      (await call(hub.url, 'POST', `/api/v1/runners/${first.body.runner_id}/revoke`, { token: admin })).status,
      200,
    );
    const again = await enrol(hub.url, 'ward', once.key);
    assert.is(again.status, 201, JSON.stringify(again.body));
    assert.is((await enrol(hub.url, 'other', once.key)).status, 401, 'now the key is used up');
  } finally {
    await hub.cleanup();
  }
});

test.run();
