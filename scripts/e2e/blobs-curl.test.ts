// The blob store's sample session from protocol/PROTOCOL.md ("Files and large results"), played with curl: a shell
// runner uploads an export through an upload slot, posts the result, and the analyst downloads it through the redirect.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ADMIN_PASSWORD, ENROLLMENT_KEY, HubProc } from '../lib/hub.ts';
import { tempDir } from '../lib/procs.ts';

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

test('upload slot, signed PUT, result with blob:<id>, download through the redirect — with curl', async () => {
  const H = hub.url;
  const json = ['-H', 'content-type: application/json'];
  const reg = curl(
    '-X',
    'POST',
    `${H}/api/v1/register`,
    ...json,
    '-d',
    JSON.stringify({
      enrollment_key: ENROLLMENT_KEY,
      name: 'shell-exporter',
      protocol_version: 1,
      datasets: [{ name: 'people', columns: [{ name: 'age', type: 'BIGINT', kind: 'number' }], row_count: 2 }],
    }),
  );
  assert.is(reg.status, 201);
  const RT = ['-H', `authorization: Bearer ${reg.body.token}`];
  const UT = [
    '-H',
    `authorization: Bearer ${curl('-X', 'POST', `${H}/api/v1/auth/login`, ...json, '-d', JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD })).body.token}`,
  ];
  const created = curl(
    '-X',
    'POST',
    `${H}/api/v1/tasks`,
    ...UT,
    ...json,
    '-d',
    JSON.stringify({ runner_id: reg.body.runner_id, op: 400, params: { dataset: 'people', format: 'csv' } }),
  );
  const offer = curl(`${H}/api/v1/tasks?runner_id=${reg.body.runner_id}&wait=5`, ...RT).body.tasks[0];
  assert.is(offer.task_id, created.body.task_id);

  const dir = tempDir('simpul-curl-');
  const file = join(dir, 'export.csv');
  writeFileSync(file, 'age\n31\n45\n');
  const SUM = execFileSync('sha256sum', [file], { encoding: 'utf8' }).split(' ')[0];
  const N = statSync(file).size;
  const slot = curl(
    '-X',
    'POST',
    `${H}/api/v1/uploads`,
    ...RT,
    ...json,
    '-d',
    JSON.stringify({
      task_id: offer.task_id,
      lease_token: offer.lease_token,
      bytes: N,
      sha256: SUM,
      content_type: 'text/csv',
      filename: 'export.csv',
    }),
  );
  assert.is(slot.status, 201, JSON.stringify(slot.body));
  assert.equal([slot.body.method, slot.body.headers], ['PUT', { 'content-type': 'text/csv' }]);
  const put = curl(
    '-X',
    'PUT',
    `${H}${slot.body.upload_url}`,
    '-H',
    'content-type: text/csv',
    '--data-binary',
    `@${file}`,
  );
  assert.is(put.status, 200, JSON.stringify(put.body));
  assert.equal(put.body, { blob_id: slot.body.blob_id, bytes: N, sha256: SUM });

  const result = {
    url: `blob:${slot.body.blob_id}`,
    bytes: N,
    sha256: SUM,
    rows: 2,
    format: 'csv',
    filename: 'export.csv',
  };
  const post = curl(
    '-X',
    'POST',
    `${H}/api/v1/result`,
    ...RT,
    ...json,
    '-d',
    JSON.stringify({ task_id: offer.task_id, lease_token: offer.lease_token, status: 'succeeded', result }),
  );
  assert.is(post.status, 200, JSON.stringify(post.body));

  const out = join(dir, 'downloaded.csv');
  const got = curl('-L', '-o', out, `${H}/api/v1/result/${offer.task_id}/download`, ...UT);
  assert.is(got.status, 200);
  assert.is(readFileSync(out, 'utf8'), 'age\n31\n45\n');
  const view = curl(`${H}/api/v1/result/${offer.task_id}`, ...UT);
  assert.is(view.body.result.url, `/api/v1/result/${offer.task_id}/download`);
});

test.run();
