// A dataset's schemas across its sites (in-process hub, sites registered over HTTP with their own columns): the
// comparison of GET /datasets/{name}, seen only through runners the caller may use, and studies refused before round 1.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PROTOCOL_VERSION, type ColumnInfo, type DatasetView } from '@simpul/protocol';
import { call, login } from '../testing/http.ts';
import { addUser, startTestHub, type TestHub } from '../testing/support.ts';

const KEY = 'test-enrollment-key';
const num = (name: string, type = 'DOUBLE'): ColumnInfo => ({ name, type, kind: 'number' });
const text = (name: string): ColumnInfo => ({ name, type: 'VARCHAR', kind: 'string' });

async function site(
  hub: TestHub,
  name: string,
  dataset: string,
  columns: ColumnInfo[],
  extra: object = {},
): Promise<string> {
  const r = await call(hub.url, 'POST', '/api/v1/register', {
    body: {
      enrollment_key: KEY,
      name,
      protocol_version: PROTOCOL_VERSION,
      datasets: [{ name: dataset, columns, row_count: 10, ...extra }],
    },
  });
  if (r.status !== 201) throw new Error(`register ${name}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.runner_id;
}

async function withHub(f: (hub: TestHub, admin: string) => Promise<void>) {
  const hub = await startTestHub({ SIMPUL_SITE_APPROVAL: 'auto' });
  try {
    await f(hub, (await login(hub.url, 'admin', 'admin-password')).token);
  } finally {
    await hub.cleanup();
  }
}

test('GET /datasets/{name}: sites by name, each column per site, and the flags', () =>
  withHub(async (hub, admin) => {
    const b = await site(hub, 'clinic-b', 'p', [num('age', 'BIGINT'), text('sex'), text('bmi')]);
    const a = await site(hub, 'clinic-a', 'p', [num('age'), text('sex'), num('bmi'), num('height')]);
    const broken = await site(hub, 'clinic-c', 'p', [], { error: 'file not found' });
    const r = await call<DatasetView>(hub.url, 'GET', '/api/v1/datasets/p', { token: admin });
    assert.is(r.status, 200, JSON.stringify(r.body));
    assert.equal(
      r.body.sites.map((s) => [s.name, s.runner_id, s.site_status, s.error]),
      [
        ['clinic-a', a, 'approved', null],
        ['clinic-b', b, 'approved', null],
        ['clinic-c', broken, 'approved', 'file not found'],
      ],
    );
    const flags = Object.fromEntries(
      r.body.columns.map((c) => [c.name, [c.present_everywhere, c.same_kind, c.same_type]]),
    );
    assert.equal(flags, {
      age: [true, true, false],
      sex: [true, true, true],
      bmi: [true, false, false],
      height: [false, true, true],
    });
    const height = r.body.columns.find((c) => c.name === 'height')!;
    assert.equal(height.sites, [
      { runner_id: a, present: true, kind: 'number', type: 'DOUBLE' },
      { runner_id: b, present: false, kind: null, type: null },
      { runner_id: broken, present: false, kind: null, type: null },
    ]);
    assert.is(r.body.consistent, false);
    assert.is((await call(hub.url, 'GET', '/api/v1/datasets/nothing', { token: admin })).status, 404);
  }));

test('GET /datasets/{name} shows only runners the caller may use; none: 404', () =>
  withHub(async (hub, admin) => {
    await addUser(hub.ctx, 'ana');
    const ana = (await login(hub.url, 'ana', 'ana-password')).token;
    const open = await site(hub, 'open-site', 'q', [num('x')]);
    const closed = await site(hub, 'closed-site', 'q', [text('x')]);
    const only = await site(hub, 'only-private', 'z', [num('x')]);
    for (const id of [closed, only]) {
      const r = await call(hub.url, 'POST', `/api/v1/runners/${id}/access`, { token: admin, body: { shared: false } });
      assert.is(r.status, 200, JSON.stringify(r.body));
    }
    const seen = await call<DatasetView>(hub.url, 'GET', '/api/v1/datasets/q', { token: ana });
    assert.equal(
      seen.body.sites.map((s) => s.runner_id),
      [open],
    );
    assert.is(seen.body.consistent, true);
    assert.is((await call<DatasetView>(hub.url, 'GET', '/api/v1/datasets/q', { token: admin })).body.sites.length, 2);
    assert.is((await call(hub.url, 'GET', '/api/v1/datasets/z', { token: ana })).status, 404);
    // The private site is not among ana's study sites either: her study over x is not refused for its kind there.
    const s = await call(hub.url, 'POST', '/api/v1/studies', {
      token: ana,
      body: { dataset: 'q', analysis: 'summary', columns: ['x'] },
    });
    assert.is(s.status, 201, JSON.stringify(s.body));
  }));

test('POST /studies: a column missing or of another kind at a site is 409 schema_mismatch before round 1', () =>
  withHub(async (hub, admin) => {
    const a = await site(hub, 'clinic-a', 'p', [num('age'), num('bmi'), text('sex')]);
    const b = await site(hub, 'clinic-b', 'p', [num('age', 'BIGINT'), text('bmi'), text('sex')]);
    const post = (body: object) =>
      call(hub.url, 'POST', '/api/v1/studies', { token: admin, body: { dataset: 'p', ...body } });
    const kind = await post({ analysis: 'correlation', columns: ['age', 'bmi'] });
    assert.is(kind.status, 409);
    assert.equal(kind.body.error.code, 'schema_mismatch');
    assert.ok(
      kind.body.error.message.startsWith('column "bmi" is text at site "clinic-b" but a number at "clinic-a"'),
      kind.body.error.message,
    );
    assert.equal(kind.body.error.details, { column: 'bmi', runner_id: b, runner_name: 'clinic-b' });
    const missing = await post({ analysis: 'linear_regression', target: 'age', features: ['height'] });
    assert.is(missing.status, 409);
    assert.ok(
      missing.body.error.message.startsWith('column "height" is missing at site "clinic-a"'),
      missing.body.error.message,
    );
    const where = await post({
      analysis: 'group_by',
      group_by: ['sex'],
      aggregates: [{ fn: 'mean', column: 'age' }],
      where: { column: 'bmi', op: '>', value: 3 },
    });
    assert.is(where.status, 409);
    assert.match(where.body.error.message, 'column "bmi"');
    // Types that differ within one kind (BIGINT, DOUBLE) are fine; so is a study that leaves the odd site out.
    assert.is((await post({ analysis: 'summary', columns: ['age'] })).status, 201);
    assert.is(
      (await post({ analysis: 'summary', columns: ['bmi'], runner_ids: [a, a] })).status,
      201,
      'bmi is a number at the one site asked',
    );
    const list = await call(hub.url, 'GET', '/api/v1/studies', { token: admin });
    assert.is(list.body.studies.length, 2, 'only the studies that passed were created');
  }));

test.run();
