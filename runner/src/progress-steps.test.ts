// Progress in steps: a step's span, work within it, and DuckDB's own progress on a long query read as rows scanned.
import { DuckDBInstance } from '@duckdb/node-api';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { VEGA } from './analysis/test-source.ts';
import { sqlString } from './engine/sql.ts';
import { PROGRESS_SETTINGS, Session } from './engine/session.ts';
import { ProgressSteps, type ScanProgress, thousands } from './progress-steps.ts';

type Sent = { percent: number; message?: string };
const recorder = () => {
  const sent: Sent[] = [];
  return { sent, steps: new ProgressSteps((percent, message) => sent.push({ percent, message })) };
};

test('a step spans part of the bar; work within it moves the bar there and says how far it got', () => {
  const { sent, steps } = recorder();
  steps.step(5, 'counting matches', 50);
  steps.scanned({ rows: 1_342_676, total: 3_000_000, fraction: 0.4475 });
  steps.within(0.1, 'a second query'); // the bar does not go back within a step
  steps.within(2, 'past the end'); // clamped to the step's end
  steps.step(90, 'reading rows'); // a single point
  steps.within(0.5, 'halfway');
  assert.equal(sent, [
    { percent: 5, message: 'counting matches' },
    { percent: 25.1, message: 'counting matches: 1,342,676 of 3,000,000 rows scanned' },
    { percent: 25.1, message: 'counting matches: a second query' },
    { percent: 50, message: 'counting matches: past the end' },
    { percent: 90, message: 'reading rows' },
    { percent: 90, message: 'reading rows: halfway' },
  ]);
});

test('numbers are written with thousands separators', () => {
  assert.is(thousands(3_000_000), '3,000,000');
  assert.is(thousands(999), '999');
  assert.is(thousands(1234.6), '1,235');
});

test('a long DuckDB query reports rows scanned while it runs, at least every second', async () => {
  const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
  const conn = await instance.connect();
  await conn.run(PROGRESS_SETTINGS);
  const session = new Session(conn, new AbortController().signal);
  const scans: (ScanProgress & { at: number })[] = [];
  session.onScan = (s) => scans.push({ ...s, at: Date.now() });
  try {
    // A digest of each of 3 million flights: seconds here, long enough to be seen on a faster machine too.
    const file = sqlString(`${VEGA}/flights-3m.parquet`);
    const started = Date.now();
    await session.query(
      `SELECT sum(length(md5(origin || destination || delay::VARCHAR || date::VARCHAR))) AS s FROM read_parquet(${file})`,
    );
    const ended = Date.now();
    assert.ok(scans.length >= 1, 'at least one report while the query ran');
    for (const s of scans) {
      assert.ok(s.total >= 3_000_000, `total ${s.total}`);
      assert.ok(s.rows >= 0 && s.rows <= s.total, `rows ${s.rows} of ${s.total}`);
      assert.ok(s.fraction >= 0 && s.fraction <= 1, `fraction ${s.fraction}`);
    }
    for (let i = 1; i < scans.length; i++) assert.ok(scans[i].rows >= scans[i - 1].rows, 'rows only grow');
    // Reports are due every 250 ms; none of the gaps (from the start, between reports) reaches a second.
    const times = [started, ...scans.map((s) => s.at)];
    if (ended - started >= 1000) times.push(ended);
    const gaps = times.slice(1).map((t, i) => t - times[i]);
    assert.ok(Math.max(...gaps) < 1000, `gaps between reports: ${gaps.join(', ')} ms`);
    // Nothing is reported once the query is over.
    const seen = scans.length;
    await new Promise((r) => setTimeout(r, 600));
    assert.is(scans.length, seen);
  } finally {
    session.close();
    instance.closeSync();
  }
});

test.run();
