// Regression output at a statistics package's standard, as the analyst sees it in Chromium at 1280 and 390 px:
// coefficients with SE, t/z, p-values and 95 % CIs (odds ratios for logistic), and the fit statistics (F, AIC/BIC,
// log-likelihood, McFadden). The numbers on screen are the ones the API returns.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser, Page } from 'playwright-core';
import { launch, logIn, newPage, shot } from '../lib/browser.ts';
import { PATIENTS_CSV } from '../lib/data.ts';
import { ADMIN_PASSWORD, HubProc } from '../lib/hub.ts';
import { RunnerProc } from '../lib/runner.ts';

declare const document: { documentElement: { scrollWidth: number } }, window: { innerWidth: number };

const t = suite('web: statistics output');
const WIDTHS = [1280, 390] as const;
let hub: HubProc;
let runner: RunnerProc;
let browser: Browser;

t.before(async () => {
  hub = await HubProc.start();
  runner = await RunnerProc.start(hub, { name: 'stats-runner', datasets: [{ name: 'patients', path: PATIENTS_CSV }] });
  browser = await launch();
});
t.after(async () => {
  await browser?.close();
  await runner?.stop();
  await hub?.stop();
});

interface Coef {
  term: string;
  estimate: number;
  p_value?: number;
  ci_low?: number;
  ci_high?: number;
  odds_ratio?: number;
}

async function regression(page: Page, kind: 'Linear regression' | 'Logistic regression', target: string) {
  await page.goto(`${hub.url}/new`);
  await page.getByLabel('Dataset').selectOption({ label: 'patients on stats-runner' });
  await page.getByRole('radio', { name: /Analyse/ }).check();
  await page.locator('[data-testid=analysis-kind]').getByRole('radio', { name: kind }).check();
  await page.getByLabel('Target').selectOption(target);
  for (const f of ['age', 'bmi'])
    await page.locator('[data-testid=features]').getByRole('checkbox', { name: f, exact: true }).check();
  await page.getByRole('button', { name: 'Submit' }).click();
  await page.waitForURL(/\/tasks\//);
  await page.locator('[data-testid=task-status]').filter({ hasText: 'succeeded' }).waitFor({ timeout: 60_000 });
  await page.locator('[data-testid=table-coefficients]').waitFor();
  const taskId = page.url().split('/tasks/')[1] ?? '';
  const reply = await page.request.get(`${hub.url}/api/v1/result/${taskId}`);
  assert.equal(reply.status(), 200);
  const body = (await reply.json()) as { result: { coefficients: Coef[] } };
  return body.result.coefficients;
}

async function headings(page: Page): Promise<string[]> {
  return page.locator('[data-testid=table-coefficients] thead th').allInnerTexts();
}

async function noSidewaysScroll(page: Page, where: string) {
  const { scroll, inner } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    inner: window.innerWidth,
  }));
  assert.ok(scroll <= inner, `${where}: the page is ${scroll} px wide on a ${inner} px screen`);
}

/** The row of `term` in the coefficient table, as its cells' text. */
async function termRow(page: Page, term: string): Promise<string[]> {
  const row = page.locator('[data-testid=table-coefficients] tbody tr').filter({ hasText: term }).first();
  return row.locator('th, td').allInnerTexts();
}

const num = (s: string) => Number(s.replace(/[,\s]/g, '').replace('−', '-'));

for (const width of WIDTHS) {
  t(`linear regression at ${width} px: SE, t, p, 95 % CI, F, AIC/BIC`, async () => {
    const { page, errors } = await newPage(browser, width, width < 600 ? 844 : 860);
    await logIn(page, hub.url, 'admin', ADMIN_PASSWORD);
    const coefs = await regression(page, 'Linear regression', 'systolic_bp');
    const head = await headings(page);
    for (const h of ['Estimate', 'Std. error', 't', 'P>|t|', '95 % CI low', '95 % CI high'])
      assert.ok(head.includes(h), `column ${h} in ${head.join(' | ')}`);
    const facts = await page.locator('[data-testid=fit-facts]').innerText();
    for (const f of ['F-statistic', 'AIC', 'BIC', 'Log-likelihood']) assert.ok(facts.includes(f), `${f} in the fit`);
    const age = coefs.find((c) => c.term === 'age');
    assert.ok(age && typeof age.p_value === 'number' && typeof age.ci_low === 'number', 'the API has p and CI');
    const cells = await termRow(page, 'age');
    const low = num(cells[head.indexOf('95 % CI low')] ?? '');
    assert.ok(Math.abs(low - (age.ci_low ?? 0)) <= Math.abs(age.ci_low ?? 0) * 1e-3 + 1e-3, `CI low ${low}`);
    await noSidewaysScroll(page, `linear at ${width}`);
    await shot(page, `stats-linear-${width}`);
    assert.equal(errors, []);
    await page.close();
  });

  t(`logistic regression at ${width} px: z, p, CIs, odds ratios, McFadden`, async () => {
    const { page, errors } = await newPage(browser, width, width < 600 ? 844 : 860);
    await logIn(page, hub.url, 'admin', ADMIN_PASSWORD);
    const coefs = await regression(page, 'Logistic regression', 'diabetes');
    const head = await headings(page);
    for (const h of ['z', 'P>|z|', '95 % CI low', 'Odds ratio', 'OR CI low', 'OR CI high'])
      assert.ok(head.includes(h), `column ${h} in ${head.join(' | ')}`);
    const fit = await page.locator('[data-testid=model-fit]').innerText();
    for (const f of ['Pseudo R² (McFadden)', 'AIC', 'Log-likelihood']) assert.ok(fit.includes(f), `${f} in the fit`);
    assert.match(fit, /LLR p-value\s*<0\.0001/, 'a vanishing p-value reads <0.0001, not 0');
    const bmi = coefs.find((c) => c.term === 'bmi');
    assert.ok(bmi && typeof bmi.odds_ratio === 'number', 'the API has the odds ratio');
    assert.ok(Math.abs((bmi.odds_ratio ?? 0) - Math.exp(bmi.estimate)) < 1e-9, 'odds ratio = exp(estimate)');
    const shown = num((await termRow(page, 'bmi'))[head.indexOf('Odds ratio')] ?? '');
    assert.ok(Math.abs(shown - (bmi.odds_ratio ?? 0)) <= 1e-3 * (bmi.odds_ratio ?? 1), `odds ratio on screen ${shown}`);
    await noSidewaysScroll(page, `logistic at ${width}`);
    await shot(page, `stats-logistic-${width}`);
    assert.equal(errors, []);
    await page.close();
  });
}

t.run();
