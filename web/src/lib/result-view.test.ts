import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { downloadName, hubUrl, readResult } from './result-view.ts';

const file = { url: '/api/v1/blobs/abc?sig=1', bytes: 2048, sha256: 'ab'.repeat(32), rows: 10, format: 'parquet' };

test('each op reads its own result shape', () => {
  const rows = { columns: [{ name: 'a', type: 'INTEGER', kind: 'number' }], rows: [[1]], total_rows: 1 };
  const r = readResult(200, rows);
  assert.is(r.kind, 'rows');
  assert.is(r.kind === 'rows' && r.rows.offset, 0, 'defaults from the protocol schema are filled in');
  assert.is(readResult(400, file).kind, 'file');
  const a = readResult(300, { analysis: 'kmeans', rows_used: 3 });
  assert.is(a.kind, 'unknown', 'an analysis without its fields does not pass');
  assert.match(a.kind === 'unknown' ? a.problem : '', 'k');
  assert.is(readResult(300, file).kind, 'file', 'an analysis kept in the blob store arrives as a link');
  const large = readResult(300, {
    analysis: 'describe',
    rows_used: 3,
    blob: { ...file, url: '/api/v1/result/tsk_1/download' },
  });
  assert.is(
    large.kind === 'file' && large.file.url,
    '/api/v1/result/tsk_1/download',
    'a large analysis links to its blob',
  );
  const partial = { analysis: 'federated_round', step: 'moments', study_id: 'st_1', round: 1, rows: 0, columns: [] };
  const fp = readResult(300, partial);
  assert.is(fp.kind, 'partial', "a federated round arrives as one site's partial");
});

test('rows are checked cell by cell, as the protocol schema would', () => {
  const columns = [{ name: 'a', type: 'VARCHAR', kind: 'string' }];
  const ok = readResult(100, { columns, rows: [['x'], [null], [1.5], [true]], total_rows: 4 });
  assert.is(ok.kind === 'rows' && ok.rows.rows.length, 4);
  const bad = readResult(100, { columns, rows: [['x'], [{ nested: 1 }]], total_rows: 2 });
  assert.is(bad.kind, 'unknown');
  assert.match(bad.kind === 'unknown' ? bad.problem : '', 'rows.1.0');
  assert.is(
    readResult(200, { columns, rows: [['x']], total_rows: 'many' }).kind,
    'unknown',
    'the rest of the result is still checked',
  );
  assert.is(readResult(200, { columns, rows: 'x', total_rows: 1 }).kind, 'unknown');
});

test('blob links resolve against the hub, not the page; only http(s)', () => {
  assert.is(hubUrl('/api/v1/blobs/x?sig=1', 'http://127.0.0.1:8080'), 'http://127.0.0.1:8080/api/v1/blobs/x?sig=1');
  assert.is(hubUrl('api/v1/blobs/x', 'http://hub.example:8080/'), 'http://hub.example:8080/api/v1/blobs/x');
  // Links to elsewhere are a runner's text, never the hub's: the hub's download path redirects to S3 itself.
  assert.is(hubUrl('https://s3.example/bucket/k?X-Amz-Signature=1', 'http://127.0.0.1:8080'), null);
  assert.is(hubUrl('https://evil.example/x', 'http://127.0.0.1:8080'), null);
  assert.is(hubUrl('//evil.example/x', 'http://127.0.0.1:8080'), null);
  assert.is(hubUrl('javascript:alert(1)', 'http://127.0.0.1:8080'), null);
});

test("download names: the runner's own, without folders, or task and format", () => {
  assert.is(downloadName({ ...file, filename: '../../etc/report.pdf' }, 'simpul-t1'), 'report.pdf');
  assert.is(downloadName(file, 'simpul-t1'), 'simpul-t1.parquet');
  assert.is(downloadName({ ...file, format: 'weird format' }, 'simpul-t1'), 'simpul-t1.bin');
});

test.run();
