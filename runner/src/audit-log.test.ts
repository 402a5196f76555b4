// The runner's audit file: each line is in the file when record() returns (a crash loses none), in a burst as well as
// alone (the flush to disk is grouped, the write is not), with mode 0600 and the task's times.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Released } from './disclosure/released.ts';
import type { ResultPost } from '@simpul/protocol';
import { AuditLog } from './audit-log.ts';
import { silentLogger } from './log.ts';
import { offer } from './executor-fixtures.ts';

test('a burst of records: every line in the file as soon as record() returns, in order, mode 0600', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'simpul-audit-'));
  try {
    const path = join(dir, 'audit.jsonl');
    const log = new AuditLog(path, () => 'http://hub.test', silentLogger);
    const ids: string[] = [];
    for (let i = 0; i < 200; i++) {
      const o = offer(100, { dataset: 'weather', limit: i + 1 });
      const post = {
        task_id: o.task_id,
        lease_token: o.lease_token,
        status: 'succeeded',
        result: { rows: [[i]] },
      } as unknown as Released<ResultPost>;
      log.record(o, 1_000, post, true, 2_000);
      ids.push(o.task_id);
      const lines = readFileSync(path, 'utf8').trim().split('\n');
      assert.is(lines.length, i + 1, 'the line is there before record() returned');
    }
    log.decision({ task_id: ids[0], decision: 'held' });
    const lines = readFileSync(path, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(
      lines.slice(0, 200).map((l) => l.task_id),
      ids,
    );
    assert.equal(
      [lines[0].started_at, lines[0].finished_at],
      [new Date(1_000).toISOString(), new Date(2_000).toISOString()],
    );
    assert.is(lines[5].rows, 1);
    assert.is(lines[200].review, 'held');
    assert.is(statSync(path).mode & 0o777, 0o600);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
