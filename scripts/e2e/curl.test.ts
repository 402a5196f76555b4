// The five seed endpoints, exactly as a shell user drives them with curl (see protocol/PROTOCOL.md, "Sample session").
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { ADMIN_PASSWORD, ENROLLMENT_KEY, HubProc } from '../lib/hub.ts';

let hub: HubProc;

function curl(...args: string[]): { status: number; body: any } {
  const out = execFileSync('curl', ['-sS', '-w', '\n%{http_code}', ...args], { encoding: 'utf8' });
  const i = out.lastIndexOf('\n');
  const text = out.slice(0, i);
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* keep text */
  }
  return { status: Number(out.slice(i + 1)), body };
}

test.before(async () => {
  hub = await HubProc.start();
});
test.after(async () => {
  await hub?.stop();
});

test('register, ping, claim, result, read the result — with curl', async () => {
  const H = hub.url;
  const reg = curl(
    '-X',
    'POST',
    `${H}/api/v1/register`,
    '-H',
    'content-type: application/json',
    '-d',
    JSON.stringify({
      enrollment_key: ENROLLMENT_KEY,
      name: 'shell-runner',
      protocol_version: 1,
      datasets: [{ name: 'people', columns: [{ name: 'age', type: 'BIGINT', kind: 'number' }], row_count: 3 }],
    }),
  );
  assert.is(reg.status, 201, JSON.stringify(reg.body));
  const { runner_id, token } = reg.body;
  assert.match(token, /^smr_/);
  assert.ok(reg.body.heartbeat_interval_s > 0);
  const auth = ['-H', `authorization: Bearer ${token}`];

  const ping = curl(
    '-X',
    'POST',
    `${H}/api/v1/ping`,
    ...auth,
    '-H',
    'content-type: application/json',
    '-d',
    JSON.stringify({ runner_id }),
  );
  assert.is(ping.status, 200, JSON.stringify(ping.body));
  assert.equal(ping.body.cancel, []);

  const login = curl(
    '-X',
    'POST',
    `${H}/api/v1/auth/login`,
    '-H',
    'content-type: application/json',
    '-d',
    JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
  );
  assert.is(login.status, 200);
  const user = ['-H', `authorization: Bearer ${login.body.token}`];
  const created = curl(
    '-X',
    'POST',
    `${H}/api/v1/tasks`,
    ...user,
    '-H',
    'content-type: application/json',
    '-d',
    JSON.stringify({ runner_id, op: 100, params: { dataset: 'people', limit: 2 } }),
  );
  assert.is(created.status, 201, JSON.stringify(created.body));
  assert.is(created.body.status, 'queued');

  const claim = curl(`${H}/api/v1/tasks?runner_id=${runner_id}&wait=5`, ...auth);
  assert.is(claim.status, 200, JSON.stringify(claim.body));
  assert.is(claim.body.tasks.length, 1);
  const offer = claim.body.tasks[0];
  assert.is(offer.task_id, created.body.task_id);
  assert.is(offer.op, 100);
  assert.is(offer.attempt, 1);

  const result = {
    columns: [{ name: 'age', type: 'BIGINT', kind: 'number' }],
    rows: [[31], [45]],
    total_rows: 3,
    offset: 0,
  };
  const post = curl(
    '-X',
    'POST',
    `${H}/api/v1/result`,
    ...auth,
    '-H',
    'content-type: application/json',
    '-d',
    JSON.stringify({ task_id: offer.task_id, lease_token: offer.lease_token, status: 'succeeded', result }),
  );
  assert.is(post.status, 200, JSON.stringify(post.body));
  assert.is(post.body.stored, true);

  const read = curl(`${H}/api/v1/result/${offer.task_id}`, ...user);
  assert.is(read.status, 200);
  assert.is(read.body.status, 'succeeded');
  assert.equal(read.body.result, result);

  // An empty long-poll answers after `wait` seconds with no tasks.
  const empty = curl(`${H}/api/v1/tasks?runner_id=${runner_id}&wait=1`, ...auth);
  assert.equal(empty.body, { tasks: [] });
  // Without a token: 401 with the error body.
  const anon = curl(`${H}/api/v1/tasks?runner_id=${runner_id}`);
  assert.is(anon.status, 401);
  assert.is(anon.body.error.code, 'unauthorized');
});

test.run();
