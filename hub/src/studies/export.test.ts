// GET /api/v1/studies/{id}/export: a study's pooled result as xlsx (each sheet read with exceljs), PDF (each page's text
// read with unpdf), CSV and JSON; 409 while it runs. Sites speak the runner protocol over HTTP (test-sites.ts).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { FederatedRoundParams } from '@simpul/protocol';
import ExcelJS from 'exceljs';
import { extractText, getDocumentProxy } from 'unpdf';
import { call, login } from '../testing/http.ts';
import { startTestHub, waitFor, type TestHub } from '../testing/support.ts';
import { nextOffer, partialFor, post, registerSite, type Site } from './test-sites.ts';

const KEY = 'test-enrollment-key';
const DATA: Record<string, number[]> = { north: [1, 2, 3, 4, 5], south: [10, 20, 30, 40, 50] };

let hub: TestHub;
let token: string;
let sites: Site[];

async function download(id: string, format: string, as = token) {
  const res = await fetch(`${hub.url}/api/v1/studies/${id}/export?format=${format}`, {
    headers: { authorization: `Bearer ${as}` },
  });
  return { res, bytes: new Uint8Array(await res.arrayBuffer()) };
}

async function answerRound() {
  for (const s of sites) {
    const offer = await nextOffer(hub.url, s);
    await post(hub.url, s, offer, { result: partialFor(offer.params as FederatedRoundParams, DATA[s.name]) });
  }
}

async function runStudy(body: Record<string, unknown>, rounds: number): Promise<string> {
  const r = await call(hub.url, 'POST', '/api/v1/studies', { token, body: { dataset: 'd', ...body } });
  assert.is(r.status, 201, JSON.stringify(r.body));
  const id: string = r.body.study_id;
  const early = await download(id, 'csv');
  assert.is(early.res.status, 409, 'no export before the study succeeded');
  for (let i = 0; i < rounds; i++) await answerRound();
  await waitFor(`study ${id} succeeded`, async () => {
    const s = await call(hub.url, 'GET', `/api/v1/studies/${id}`, { token });
    return s.body.status === 'succeeded' ? true : undefined;
  });
  return id;
}

test.before(async () => {
  hub = await startTestHub({ SIMPUL_STUDY_SWEEP_MS: '100', SIMPUL_SITE_APPROVAL: 'auto' });
  token = (await login(hub.url, 'admin', 'admin-password')).token;
  sites = [await registerSite(hub.url, KEY, 'north', 'd'), await registerSite(hub.url, KEY, 'south', 'd')];
});

test.after(async () => {
  await hub.cleanup();
});

test('a summary study: xlsx with Summary, Columns and Sites; PDF, CSV and JSON with the same parts', async () => {
  const id = await runStudy({ analysis: 'summary', columns: ['x'] }, 1);

  const x = await download(id, 'xlsx');
  assert.is(x.res.status, 200);
  assert.match(
    x.res.headers.get('content-disposition') ?? '',
    new RegExp(`attachment; filename="study-${id}-summary.xlsx"`),
  );
  const book = new ExcelJS.Workbook();
  await book.xlsx.load(x.bytes.buffer as ArrayBuffer);
  assert.equal(
    book.worksheets.map((s) => s.name),
    ['Summary', 'Columns', 'Sites'],
  );
  const summary = new Map<string, unknown>();
  book.getWorksheet('Summary')?.eachRow((r) => summary.set(String(r.getCell(1).value), r.getCell(2).value));
  assert.is(summary.get('Study id'), id);
  assert.is(summary.get('Runner'), 'north, south');
  assert.is(summary.get('Dataset'), 'd');
  assert.is(summary.get('Rows used'), 10);
  assert.match(String(summary.get('Description')), /Summary statistics of x on d at 2 sites/);
  assert.ok(summary.has('Note'), 'the disclosure note');
  const columns = book.getWorksheet('Columns');
  assert.ok(columns, 'a Columns sheet');
  assert.equal((columns.getRow(1).values as unknown[]).slice(1), [
    'Column',
    'Count',
    'Mean',
    'Std. dev.',
    'Variance',
    'Min',
    'Max',
  ]);
  assert.is(columns?.getRow(2).getCell(3).value, 16.5);
  const siteNames: unknown[] = [];
  book.getWorksheet('Sites')?.eachRow((r, i) => i > 1 && siteNames.push(r.getCell(1).value));
  assert.equal(siteNames, ['north', 'south']);

  const p = await download(id, 'pdf');
  assert.is(p.res.headers.get('content-type'), 'application/pdf');
  const { text } = await extractText(await getDocumentProxy(p.bytes), { mergePages: false });
  const all = text.join('\n');
  for (const part of [
    'Summary statistics (study): d',
    'Study id',
    id,
    'north, south',
    'Std. dev.',
    'Generated at',
    'Disclosure control',
  ])
    assert.ok(all.includes(part), `PDF has "${part}"`);

  const csv = new TextDecoder().decode((await download(id, 'csv')).bytes);
  assert.match(csv, /^# Summary\r\nField,Value\r\n/);
  assert.match(csv, /\r\n# Columns\r\nColumn,Count,Mean,Std\. dev\.,Variance,Min,Max\r\nx,10,16\.5,/);
  assert.match(csv, /\r\n# Sites\r\n/);

  const json = JSON.parse(new TextDecoder().decode((await download(id, 'json')).bytes));
  assert.is(json.study_id, id);
  assert.is(json.result.columns[0].count, 10);
  assert.is(json.report.meta.study_id, id);
});

test('a histogram study: the PDF draws it with labelled axes; a bad format is a 400', async () => {
  const id = await runStudy({ analysis: 'histogram', columns: ['x'], bins: 5 }, 2);
  const p = await download(id, 'pdf');
  const { text } = await extractText(await getDocumentProxy(p.bytes), { mergePages: true });
  for (const part of ['Histograms (study): d', 'Pooled histograms', 'Rows', 'Bin from'])
    assert.ok(text.includes(part), part);
  const bad = await download(id, 'docx');
  assert.is(bad.res.status, 400);
});

test.run();
