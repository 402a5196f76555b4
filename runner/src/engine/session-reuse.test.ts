// A task's DuckDB connection serves a later task only when the task left nothing in it: a temporary table, a failed or
// interrupted query keep their connection out of the next task's hands.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { testEngine, useEngine } from '../executor-fixtures.ts';

useEngine(test);

const signal = () => new AbortController().signal;

test('a session that made a temporary table is closed, not handed to the next task', async () => {
  const engine = testEngine();
  const a = await engine.session(signal());
  await a.query('CREATE TEMP TABLE leftover AS SELECT 42 AS secret');
  assert.is(await a.scalar('SELECT secret FROM leftover'), 42);
  a.close();
  // Every connection the next tasks get (new or kept) must not see it.
  const next = await Promise.all([1, 2, 3, 4].map(() => engine.session(signal())));
  for (const s of next) {
    const seen = await s.query("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'leftover'");
    assert.is(Number(seen.rows[0][0]), 0);
  }
  for (const s of next) s.close();
});

test('a session that only read is kept; one whose query failed or was interrupted is not', async () => {
  const engine = testEngine();
  const reader = await engine.session(signal());
  await reader.query('SELECT 1');
  reader.close();
  const again = await engine.session(signal());
  assert.is(await again.scalar('SELECT 2'), 2, 'a kept connection runs the next task’s queries');
  await again.query('SELECT * FROM no_such_table').catch(() => {});
  again.close();

  const stop = new AbortController();
  const cut = await engine.session(stop.signal);
  stop.abort(new Error('canceled'));
  cut.close();
  const fresh = await engine.session(signal());
  assert.is(await fresh.scalar('SELECT 3'), 3);
  fresh.close();
});

test('a statement kept on a connection follows a view that changed under it (other columns, other types)', async () => {
  const engine = testEngine();
  const run = async (sql: string) => {
    const s = await engine.session(signal());
    try {
      return (await s.query(sql)).rows;
    } finally {
      s.close();
    }
  };
  await run('CREATE OR REPLACE VIEW reuse_v AS SELECT 1 AS a');
  for (let i = 0; i < 3; i++) assert.equal(await run('SELECT a FROM reuse_v'), [[1]]);
  await run("CREATE OR REPLACE VIEW reuse_v AS SELECT 'x' AS a, 2 AS b");
  assert.equal(await run('SELECT a FROM reuse_v'), [['x']]);
  assert.equal(await run('SELECT * FROM reuse_v'), [['x', 2]]);
  await run('DROP VIEW reuse_v');
  const gone = await engine.session(signal());
  await gone.query('SELECT a FROM reuse_v').then(
    () => assert.unreachable('the view is gone'),
    () => {},
  );
  gone.close();
});

test('a result of many chunks comes back whole and in order, from a kept statement too; a cancel stops the read', async () => {
  const engine = testEngine();
  const sql = 'SELECT i, i * 2 AS twice FROM range(5000) t(i) ORDER BY i'; // three chunks of DuckDB's 2048 rows
  for (let round = 0; round < 2; round++) {
    const s = await engine.session(signal());
    const { columns, rows } = await s.query(sql);
    s.close();
    assert.equal(
      columns.map((c) => c.name),
      ['i', 'twice'],
    );
    assert.is(rows.length, 5000, `round ${round}: every row`);
    assert.ok(
      rows.every((r, i) => r[0] === i && r[1] === 2 * i),
      `round ${round}: in order, across the chunks' borders`,
    );
  }
  // Aborted between chunks (the read yields after each): the query fails with the abort's reason, not a partial page.
  const stop = new AbortController();
  const s = await engine.session(stop.signal);
  const read = s.query(sql);
  setImmediate(() => stop.abort(new Error('canceled mid-read')));
  await read.then(
    (r) => assert.unreachable(`a canceled read returned ${r.rows.length} rows`),
    (e) => assert.match(String(e), /canceled mid-read/),
  );
  s.close();
});

test.run();
