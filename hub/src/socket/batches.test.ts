// Batched socket messages. task:offers: a runner whose hello says batch_offers gets a dispatch round's offers in one
// message, and each offer it does not take (by its entry in the ack, or all of them when no ack comes) is handed back.
// task:results: several final reports in one message, each judged as if sent alone.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ErrorBody, TaskOffer } from '@simpul/protocol';
import { rowsResult, startTestHub, waitFor, type TestHub } from '../testing/support.ts';
import { call, login, register } from '../testing/http.ts';
import { connectRunner, runnerAuth, type RunnerClient } from '../testing/sockets.ts';

interface Ctx {
  hub: TestHub;
  token: string;
  sockets: RunnerClient[];
}
const test = suite<Ctx>('socket batches', {} as Ctx);
test.before(async (c) => {
  c.hub = await startTestHub({ SIMPUL_SITE_APPROVAL: 'auto', SIMPUL_OFFER_TIMEOUT_MS: '600' });
  c.token = (await login(c.hub.url, 'admin', 'admin-password')).token;
  c.sockets = [];
});
test.after(async (c) => {
  for (const s of c.sockets) s.close();
  await c.hub.cleanup();
});

/** A runner with four slots that takes batches; `answer` decides each offer's entry in the ack (or 'silent': no ack). */
async function batchRunner(c: Ctx, name: string, answer: (o: TaskOffer) => boolean | 'silent') {
  const reg = await register(c.hub.url, 'test-enrollment-key', name, [name]);
  const socket = await connectRunner(c.hub.url, runnerAuth(reg));
  c.sockets.push(socket);
  const batches: TaskOffer[][] = [];
  const singles: TaskOffer[] = [];
  socket.on('task:offers', (offers, ack) => {
    batches.push(offers);
    const answers = offers.map(answer);
    if (!answers.includes('silent')) ack(answers as boolean[]);
  });
  socket.on('task:offer', (offer, ack) => {
    singles.push(offer);
    ack(true);
  });
  await socket.emitWithAck('runner:hello', {
    runner_id: reg.runner_id,
    leases: [],
    concurrency: 4,
    batch_offers: true,
  } as never);
  return { batches, singles, socket };
}

const createThree = async (c: Ctx, dataset: string): Promise<string[]> =>
  (
    await call(c.hub.url, 'POST', '/api/v1/tasks', {
      token: c.token,
      body: [1, 2, 3].map(() => ({ op: 100, params: { dataset } })),
    })
  ).body.tasks.map((t: { task_id: string }) => t.task_id);
const view = async (c: Ctx, id: string) =>
  (await call(c.hub.url, 'GET', `/api/v1/tasks/${id}`, { token: c.token })).body;

test('one message for a round; an offer refused by its entry goes back, the others stay leased', async (c) => {
  let n = 0;
  const r = await batchRunner(c, 'batch-refuse', () => n++ !== 1); // the second offer is refused
  const ids = await createThree(c, 'batch-refuse');
  await waitFor('offers', () => r.batches.flat().length + r.singles.length >= 3);
  assert.ok(
    r.batches.some((b) => b.length > 1),
    'several offers in one task:offers message',
  );
  const offered = [...r.batches.flat(), ...r.singles].map((o) => o.task_id);
  assert.equal(new Set(offered), new Set(ids), 'each task offered once');
  const refused = r.batches.flat()[1].task_id;
  await waitFor('the refused offer handed back', async () => (await view(c, refused)).attempts.length === 1);
  const back = await view(c, refused);
  assert.equal(
    back.attempts.map((a: { outcome: string }) => a.outcome),
    ['released'],
  );
  for (const id of ids.filter((i) => i !== refused)) assert.is((await view(c, id)).status, 'leased', id);
});

test('no ack within the offer timeout hands every offer of the message back', async (c) => {
  const r = await batchRunner(c, 'batch-silent', () => 'silent');
  const ids = await createThree(c, 'batch-silent');
  await waitFor('offers', () => r.batches.flat().length >= 3);
  for (const id of ids)
    await waitFor(`${id} handed back`, async () => {
      const t = await view(c, id);
      return t.attempts.length >= 1 && t.attempts.every((a: { outcome: string }) => a.outcome === 'released');
    });
});

test('task:results: one answer per report, in order; a bad report fails alone; a repeat stores nothing twice', async (c) => {
  const r = await batchRunner(c, 'batch-results', () => true);
  const ids = await createThree(c, 'batch-results');
  await waitFor('offers', () => r.batches.flat().length + r.singles.length >= 3);
  const offers = [...r.batches.flat(), ...r.singles].sort((a, b) => ids.indexOf(a.task_id) - ids.indexOf(b.task_id));
  const done = (o: TaskOffer, token = o.lease_token) => ({
    task_id: o.task_id,
    lease_token: token,
    status: 'succeeded',
    result: rowsResult(),
  });
  const replies = await r.socket.emitWithAck('task:results', [
    done(offers[0]),
    done(offers[1], 'lease_not-this-one'),
    done(offers[2]),
    { task_id: offers[0].task_id }, // does not parse
  ] as never);
  assert.ok(Array.isArray(replies), JSON.stringify(replies));
  const answers = replies as unknown[];
  assert.equal(answers[0], { ok: true, stored: true });
  assert.is((answers[1] as ErrorBody).error.code, 'stale_lease');
  assert.equal(answers[2], { ok: true, stored: true });
  assert.is((answers[3] as ErrorBody).error.code, 'bad_request');
  assert.is((await view(c, ids[0])).status, 'succeeded');
  assert.is((await view(c, ids[1])).status, 'leased', 'the report under the wrong lease changed nothing');
  // The same reports again: already stored, nothing written twice.
  const again = await r.socket.emitWithAck('task:results', [done(offers[0]), done(offers[2])] as never);
  assert.equal(again, [
    { ok: true, stored: false },
    { ok: true, stored: false },
  ]);
  const tooMany = await r.socket.emitWithAck('task:results', Array(65).fill(done(offers[1])) as never);
  assert.is((tooMany as ErrorBody).error.code, 'bad_request', 'more than 64 reports in one message');
});

test.run();
