// npm run bench:web — the analyst's view in real Chromium against a real hub and runner: submit → first status and →
// result rows on screen for a small op 200 built in the form (median of 10; target < 150 ms), and opening and scrolling
// a 100,000-row result (median of 3) with the largest long task while it is shown and scrolled (target < 100 ms). Times are taken inside the page, so that no playwright
// round trip counts.
import { existsSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { launch, logIn, newPage } from '../lib/browser.ts';
import { PATIENTS_CSV, readCsv } from '../lib/data.ts';
import { ADMIN_PASSWORD, HubProc } from '../lib/hub.ts';
import { ROOT, sleep, tempDir } from '../lib/procs.ts';
import { RunnerProc } from '../lib/runner.ts';
import { median, printTable, saveResults, type Row } from './report.ts';

// The page's globals, for the functions that run in Chromium (scripts compile without the DOM library).
declare const document: any, window: any, location: any, MutationObserver: any, PerformanceObserver: any;
declare function requestAnimationFrame(cb: () => void): number;

// tsx compiles with esbuild's keepNames, which wraps named inner functions in `__name(...)`: the functions sent to the
// page need that helper there too.
const NAME_SHIM = 'globalThis.__name ??= (f) => f;';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);
const BIG_ROUNDS = Number(process.env.BENCH_BIG_ROUNDS ?? 3);
const BIG_ROWS = 100_000;
const SUBMIT_TARGET_MS = 150;
const LONG_TASK_TARGET_MS = 100;
const RUNNER = 'bench-web';

if (!existsSync(join(ROOT, 'web', 'build', 'index.html')))
  throw new Error('web/build is missing: run `npm run build` first');

/** 100,000 rows of simple columns, written once into a temp dir. */
function bigRowsCsv(): string {
  const file = join(tempDir('simpul-bench-web-'), 'rows.csv');
  const sites = ['north', 'south', 'east', 'west'];
  const lines = ['id,name,score,site,active'];
  for (let i = 0; i < BIG_ROWS; i++)
    lines.push(`${i},name-${(i * 7919) % 100_003},${((i * 37) % 1000) / 10},${sites[i % 4]},${i % 3 === 0}`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

const ms = (x: number) => x.toFixed(0);
const spread = (xs: number[]) => `${ms(median(xs))} (${ms(Math.min(...xs))}–${ms(Math.max(...xs))})`;

interface SubmitTiming {
  status: number; // submit click → this task's status chip painted
  statusText: string; // the state the chip first showed
  result: number; // submit click → result rows painted
  rows: number;
  requests: string[]; // the page's API calls after the click: path start→end (ms after the click)
  hub?: number; // the hub's own record: created → finished
  runner?: number; // started (leased) → finished
}

/**
 * Clicks Submit inside the page and waits, with a MutationObserver, for the task page to show the task's status and
 * then its result rows. "Painted" is the first task after the next frame (rAF, then a macrotask).
 */
function submitAndWatch(page: Page): Promise<SubmitTiming> {
  return page.evaluate(async () => {
    const painted = () =>
      new Promise<number>((r) => requestAnimationFrame(() => setTimeout(() => r(performance.now()), 0)));
    const button = [...document.querySelectorAll('button[type=submit]')].find(
      (b: any) => b.textContent?.trim() === 'Submit',
    );
    if (!button) throw new Error('no Submit button');
    let status: Promise<number> | undefined;
    let statusText = '';
    const seen = new Promise<{ result: number; rows: number }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no result rows within 30 s')), 30_000);
      const check = () => {
        if (!location.pathname.startsWith('/tasks/')) return;
        const chip = document.querySelector('[data-testid=task-status]');
        if (!status && chip) {
          status = painted();
          statusText = chip.textContent?.trim() ?? '';
        }
        const table = document.querySelector('[data-testid=result-table]');
        if (table?.querySelector('tbody tr[data-row]')) {
          observer.disconnect();
          clearTimeout(timer);
          void painted().then((result) => resolve({ result, rows: Number(table.getAttribute('data-rows')) }));
        }
      };
      const observer = new MutationObserver(check);
      observer.observe(document.body, { childList: true, subtree: true, characterData: true });
    });
    performance.clearResourceTimings();
    const t0 = performance.now();
    button.click();
    const { result, rows } = await seen;
    const requests = (performance.getEntriesByType('resource') as any[])
      .filter((e) => e.name.includes('/api/') && e.startTime >= t0)
      .map(
        (e) =>
          `${e.initiatorType === 'fetch' ? '' : `${e.initiatorType} `}${new URL(e.name).pathname.replace(/^\/api\/v1/, '').replace(/[0-9a-f-]{36}|tsk_\w+/, ':id')} ${(e.startTime - t0).toFixed(0)}→${(e.responseEnd - t0).toFixed(0)}`,
      );
    return { status: (await status!) - t0, statusText, result: result - t0, rows, requests };
  });
}

/** Builds the small filter as a user would: patients, Filter, age >= 80 and site = east, limit 500. */
async function buildFilter(page: Page) {
  await page.getByRole('link', { name: 'New analysis' }).click();
  await page.getByLabel('Dataset').selectOption({ label: `patients on ${RUNNER}` });
  await page.getByRole('radio', { name: /Filter/ }).check();
  const conds = page.locator('[data-testid=filter-condition]');
  await page.getByRole('button', { name: 'Add condition' }).click();
  await conds.nth(0).getByLabel('Column').selectOption('age');
  await conds.nth(0).getByLabel('Operator').selectOption('>=');
  await conds.nth(0).getByLabel('Value').fill('80');
  await page.getByRole('button', { name: 'Add condition' }).click();
  await conds.nth(1).getByLabel('Column').selectOption('site');
  await conds.nth(1).getByLabel('Operator').selectOption('=');
  await conds.nth(1).getByLabel('Value').fill('east');
  await page.getByLabel('Limit', { exact: true }).fill('500');
}

/** From a finished task's page back to the same form, by "Edit and run again". */
async function editAgain(page: Page) {
  await page.getByRole('button', { name: 'Edit and run again' }).click();
  await page.waitForURL((u) => u.pathname === '/new');
  const json = JSON.parse(await page.locator('[data-testid=request-json]').innerText());
  if (json.op !== 200 || !json.params.where)
    throw new Error(`the form came back without the filter: ${JSON.stringify(json)}`);
  await page.getByRole('button', { name: 'Submit' }).waitFor();
}

// Installed before any of the app's code runs: long tasks (buffered) and the moment the first result row is in the DOM.
const INIT = () => {
  const w = window as unknown as { __long: { start: number; dur: number }[]; __rows?: number; __painted?: number };
  w.__long = [];
  new PerformanceObserver((list: any) => {
    for (const e of list.getEntries()) w.__long.push({ start: e.startTime, dur: e.duration });
  }).observe({ type: 'longtask', buffered: true });
  const observer = new MutationObserver(() => {
    if (w.__rows === undefined && document.querySelector('[data-testid=result-table] tbody tr[data-row]')) {
      w.__rows = performance.now();
      observer.disconnect();
      requestAnimationFrame(() => setTimeout(() => (w.__painted = performance.now()), 0));
    }
  });
  observer.observe(document, { childList: true, subtree: true });
};

interface BigTiming {
  rows: number; // navigation start → first result rows painted
  loadLongest: number; // longest long task from navigation until the table settled
  loadLongTasks: number[];
  scrollLongest: number;
  scrollLongTasks: number[];
  scrollMs: number;
  lastRow: number;
  resultFetch: string; // GET /result: start→end (ms after navigation start), bytes
}

async function openBig(page: Page, url: string): Promise<BigTiming> {
  await page.addInitScript(NAME_SHIM);
  await page.addInitScript(INIT);
  await page.goto(url);
  await page.waitForFunction(() => (window as unknown as { __painted?: number }).__painted !== undefined, null, {
    timeout: 60_000,
  });
  await sleep(1000); // let what follows the first paint (row measuring, the rest of the page) finish
  const load = await page.evaluate(() => {
    const w = window as unknown as { __long: { start: number; dur: number }[]; __painted: number };
    const res = (performance.getEntriesByType('resource') as any[]).find((e) => e.name.includes('/api/v1/result/'));
    const fetch = res
      ? `${res.startTime.toFixed(0)}→${res.responseEnd.toFixed(0)} ms, ${(res.encodedBodySize / 1e6).toFixed(1)} MB`
      : '?';
    return {
      rows: w.__painted,
      long: w.__long.map((l) => l.dur),
      fetch,
      count: Number(document.querySelector('[data-testid=result-table]')?.getAttribute('data-rows')),
    };
  });
  if (load.count !== BIG_ROWS) throw new Error(`the table holds ${load.count} rows, not ${BIG_ROWS}`);
  // Top to bottom in 100 steps of scrollTop, one every 20 ms (about 2 s), as a fast scroll-bar drag would.
  const scroll = await page.evaluate(async () => {
    const el = document.querySelector('[role=region][aria-label="Result rows"]');
    if (!el) throw new Error('no result scroller');
    const frame = () => new Promise<void>((r) => requestAnimationFrame(() => setTimeout(r, 0)));
    const max = el.scrollHeight - el.clientHeight;
    const t0 = performance.now();
    for (let i = 1; i <= 100; i++) {
      el.scrollTop = (max * i) / 100;
      await new Promise((r) => setTimeout(r, 20));
    }
    await frame();
    await frame();
    const t1 = performance.now();
    const shown = [...el.querySelectorAll('tbody tr[data-row]')].map((r: any) => Number(r.dataset.row));
    return { t0, t1, lastRow: Math.max(...shown) };
  });
  await sleep(300); // long-task entries are delivered after the task
  const scrollLong = await page.evaluate(
    ({ t0, t1 }) =>
      (window as unknown as { __long: { start: number; dur: number }[] }).__long
        .filter((l) => l.start >= t0 && l.start <= t1)
        .map((l) => l.dur),
    scroll,
  );
  return {
    rows: load.rows,
    loadLongest: Math.max(0, ...load.long),
    loadLongTasks: load.long,
    scrollLongest: Math.max(0, ...scrollLong),
    scrollLongTasks: scrollLong,
    scrollMs: scroll.t1 - scroll.t0,
    lastRow: scroll.lastRow,
    resultFetch: load.fetch,
  };
}

const patients = readCsv(PATIENTS_CSV);
const expected = patients.filter((p) => Number(p.age) >= 80 && p.site === 'east').length;
const bigFile = bigRowsCsv();
const loadAtStart = loadavg()
  .map((x) => x.toFixed(1))
  .join(' '); // the machine may be shared: figures depend on it
// 100,000 rows (about 4 MB of JSON) kept inline, so that the web gets every row, not a first page and a file link.
const hub = await HubProc.start({
  env: { SIMPUL_LOG_LEVEL: 'warn', SIMPUL_INLINE_RESULT_MAX: String(64 * 1024 * 1024) },
});
const runner = await RunnerProc.start(hub, {
  name: RUNNER,
  datasets: [
    { name: 'patients', path: PATIENTS_CSV },
    { name: 'rows100k', path: bigFile },
  ],
});
const browser = await launch();
try {
  const { page, errors } = await newPage(browser, 1280, 860);
  await page.addInitScript(NAME_SHIM);
  await logIn(page, hub.url, 'admin', ADMIN_PASSWORD);
  await page
    .locator(`[data-testid=runner][data-runner-name=${RUNNER}]`)
    .locator('[data-testid=runner-status]')
    .filter({ hasText: /online|busy/ })
    .waitFor();

  // Part 1: a small op 200 from the form. One warm-up round (the task page's code is loaded then), then ROUNDS timed.
  await buildFilter(page);
  const submits: SubmitTiming[] = [];
  for (let i = 0; i <= ROUNDS; i++) {
    const t = await submitAndWatch(page);
    if (t.rows !== expected) throw new Error(`round ${i}: the table shows ${t.rows} rows, ${expected} match`);
    const id = new URL(page.url()).pathname.split('/').pop()!;
    const task = await hub.api.task(id);
    t.hub = Date.parse(task.finished_at) - Date.parse(task.created_at);
    t.runner = Date.parse(task.finished_at) - Date.parse(task.started_at);
    console.log(
      `  ${i === 0 ? 'warm-up' : `round ${String(i).padStart(2)}`}: status ${ms(t.status)} ms (${t.statusText}), result ${ms(t.result)} ms; hub created→finished ${t.hub} ms (started→finished ${t.runner}); ${t.requests.join(', ')}`,
    );
    if (i > 0) submits.push(t);
    if (i < ROUNDS) await editAgain(page);
  }

  // Part 2: a 100,000-row result, opened BIG_ROUNDS times in a fresh tab of the same session.
  const c = await hub.api.post('/api/v1/tasks', { op: 100, params: { dataset: 'rows100k', limit: BIG_ROWS } });
  if (c.status !== 201 && c.status !== 200)
    throw new Error(`creating the 100,000-row task: ${c.status} ${JSON.stringify(c.body)}`);
  const done = await hub.api.waitTask(c.body.task_id, ['succeeded', 'failed', 'canceled'], 120_000);
  if (done.status !== 'succeeded')
    throw new Error(`the 100,000-row task ${done.status}: ${JSON.stringify(done.error)}`);
  const stored = (await hub.api.get(`/api/v1/result/${c.body.task_id}`)).body.result;
  if (stored.rows.length !== BIG_ROWS || stored.blob)
    throw new Error(`the result holds ${stored.rows.length} rows inline${stored.blob ? ' and a blob' : ''}`);
  const bigs: BigTiming[] = [];
  for (let i = 0; i < BIG_ROUNDS; i++) {
    const tab = await page.context().newPage();
    const b = await openBig(tab, `${hub.url}/tasks/${c.body.task_id}`);
    if (b.lastRow !== BIG_ROWS - 1) throw new Error(`scrolled to the bottom, the last row shown is ${b.lastRow}`);
    console.log(
      `  100k run ${i + 1}: rows on screen ${ms(b.rows)} ms (GET /result ${b.resultFetch}); long tasks loading [${b.loadLongTasks.map(ms).join(', ')}], scrolling ${ms(b.scrollMs)} ms [${b.scrollLongTasks.map(ms).join(', ')}]`,
    );
    bigs.push(b);
    await tab.close();
  }

  const status = submits.map((s) => s.status);
  const result = submits.map((s) => s.result);
  const bigRows = bigs.map((b) => b.rows);
  const loadLong = bigs.map((b) => b.loadLongest);
  const scrollLong = bigs.map((b) => b.scrollLongest);
  const largest = bigs.map((b) => Math.max(b.loadLongest, b.scrollLongest));
  const rows: Row[] = [
    { metric: `op 200 submit → first status on screen, median (min–max) ms`, value: spread(status) },
    {
      metric: `op 200 submit → result rows on screen, median (min–max) ms`,
      value: spread(result),
      target: `< ${SUBMIT_TARGET_MS}`,
      ok: median(result) < SUBMIT_TARGET_MS,
    },
    { metric: `op 200 of which hub created → finished, median ms`, value: ms(median(submits.map((s) => s.hub!))) },
    {
      metric: `op 200 of which runner started → finished, median ms`,
      value: ms(median(submits.map((s) => s.runner!))),
    },
    { metric: `100,000 rows: open → first rows on screen, median (min–max) ms`, value: spread(bigRows) },
    { metric: `100,000 rows: longest long task while loading, median (min–max) ms`, value: spread(loadLong) },
    { metric: `100,000 rows: longest long task while scrolling, median (min–max) ms`, value: spread(scrollLong) },
    {
      metric: `100,000 rows: largest long task while shown and scrolled (0: none of 50 ms or more), median (min–max) ms`,
      value: spread(largest),
      target: `< ${LONG_TASK_TARGET_MS}`,
      ok: median(largest) < LONG_TASK_TARGET_MS,
    },
  ];
  const load = loadavg()
    .map((x) => x.toFixed(1))
    .join(' ');
  printTable(
    `Web (Chromium 1280 px, loopback; op 200 median of ${ROUNDS} after a warm-up, 100,000 rows median of ${BIG_ROUNDS}; load average ${loadAtStart} → ${load})`,
    rows,
  );
  const benign = (e: string) => /Failed to load resource.*401/.test(e);
  if (errors.some((e) => !benign(e))) console.log(`  console errors: ${errors.filter((e) => !benign(e)).join(' | ')}`);
  saveResults('web', { rows, load_average: { start: loadAtStart, end: load }, submit: submits, big: bigs });
} finally {
  await browser.close();
  await runner.stop();
  await hub.stop();
}
