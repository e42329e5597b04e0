// The web console (issue 14) in a real browser: Debian's Chromium driven by playwright-core
// loads the page the coordinator serves at `/`, refuses a wrong token, signs in with the stack's,
// triggers a run and follows it to 100 %, verifies it against the source, shows its
// rows-per-second chart and batches, and shows why a run failed. QUPERSYNC_SCREENSHOTS=<dir> saves the screenshots the README shows.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createKeyedTable, executeSql } from '@qupersync/testing';
import { PipelineHarness, uniqueSuffix } from './pipeline.harness';

jest.setTimeout(240_000);

const suffix = uniqueSuffix();
const tables = { good: `e2e_console_${suffix}`, broken: `e2e_console_bad_${suffix}` };
const jobs = { good: `e2e-console-${suffix}`, broken: `e2e-console-bad-${suffix}` };
const rows = 40_000;
const chromiumPath = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((path) => existsSync(path));
const screenshots = process.env.QUPERSYNC_SCREENSHOTS;
let pipeline: PipelineHarness;
let browser: Browser;

beforeAll(async () => {
  if (chromiumPath === undefined)
    throw new Error('Chromium is not installed (apt-get install chromium; `npm test` installs it as root)');
  await createKeyedTable(process.env.WAREHOUSE_DATABASE_URL ?? '', tables.good, rows);
  await createKeyedTable(process.env.WAREHOUSE_DATABASE_URL ?? '', tables.broken, 10);
  // A target without a key on id cannot take upserts: the run fails before reading the source.
  await executeSql(
    process.env.DATABASE_URL ?? '',
    `CREATE TABLE public.${tables.broken} (id bigint, updated_at timestamp)`,
  );
  pipeline = await PipelineHarness.start([
    { name: jobs.good, table: tables.good, mode: 'full', batchSize: 1_000 },
    { name: jobs.broken, table: tables.broken, mode: 'full' },
  ]);
  browser = await chromium.launch({ executablePath: chromiumPath });
});

afterAll(async () => {
  await browser?.close();
  await pipeline?.stop();
});

async function shoot(page: Page, name: string): Promise<void> {
  if (screenshots === undefined) return;
  mkdirSync(screenshots, { recursive: true });
  await page.screenshot({ path: join(screenshots, name), fullPage: true });
}

/** The newest run of a job, once the coordinator lists it. */
async function newestRunOf(job: string): Promise<string> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const runs = await pipeline.api<{ runId: string }[]>(`/runs?job=${job}&limit=1`);
    const run = runs[0];
    if (run !== undefined) return run.runId;
    if (Date.now() > deadline) throw new Error(`no run of ${job} was started`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

it('signs in with the token, triggers a run to 100 %, charts it, and shows why a run failed', async () => {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`${pipeline.coordinatorUrl}/`);

  // The stack has a token: the page asks for it, and says so when it is wrong.
  await page.locator('#login').waitFor({ state: 'visible' });
  await page.fill('#token', 'not-the-token-at-all');
  await page.click('#login-form button[type=submit]');
  await page.locator('#login-reason', { hasText: 'refused the token' }).waitFor();
  await page.fill('#token', pipeline.apiToken ?? '');
  await page.click('#login-form button[type=submit]');
  const goodJob = page.locator(`tr[data-job="${jobs.good}"]`);
  await goodJob.waitFor();
  expect(await page.locator(`tr[data-job="${jobs.broken}"]`).count()).toBe(1);
  expect(await goodJob.locator('.badge').textContent()).toBe('never run');

  await goodJob.locator('button', { hasText: 'Trigger' }).click();
  await page.locator('#message', { hasText: `of ${jobs.good}` }).waitFor();
  const runId = await newestRunOf(jobs.good);
  const runRow = page.locator(`#runs-body tr[data-run-id="${runId}"]`);
  await runRow.locator('[data-testid=status]', { hasText: 'succeeded' }).waitFor({ timeout: 120_000 });
  expect(await runRow.locator('[data-testid=percent]').textContent()).toBe('100 %');
  expect(await runRow.locator('td.num').first().textContent()).toBe(rows.toLocaleString('en-US'));
  await goodJob.locator('.badge', { hasText: 'ok' }).waitFor();
  await goodJob.locator('button', { hasText: 'Verify' }).click();
  await page.locator('#message', { hasText: `${jobs.good}: equal to the source, 40,000 rows` }).waitFor();

  // The run's page: its chart, its batches, nothing failed.
  await runRow.click();
  await page.locator('#run h2', { hasText: runId }).waitFor();
  // Attached, not visible: a level line has a bounding box of zero height, which Playwright
  // calls hidden though the stroke shows. What the eye needs is a line of two or more vertices.
  const polyline = page.locator('#run svg.chart polyline');
  await polyline.waitFor({ state: 'attached' });
  const vertices = ((await polyline.getAttribute('points')) ?? '').trim().split(/\s+/);
  expect(vertices.length).toBeGreaterThanOrEqual(2);
  expect(new Set(vertices.map((vertex) => vertex.split(',')[0])).size).toBeGreaterThanOrEqual(2);
  expect(await page.locator('#run svg.chart').getAttribute('aria-label')).toMatch(
    /^rows per second over the run/,
  );
  await page.locator('#run td.status.loaded').first().waitFor();
  expect(await page.locator('#run td.status.loaded').count()).toBe(40);
  await shoot(page, 'console-run.png');

  // A run that fails shows why, in the list and on its page.
  await page.locator(`tr[data-job="${jobs.broken}"] button`, { hasText: 'Trigger' }).click();
  const failedRunId = await newestRunOf(jobs.broken);
  const failedRow = page.locator(`#runs-body tr[data-run-id="${failedRunId}"]`);
  await failedRow.locator('[data-testid=status]', { hasText: 'failed' }).waitFor({ timeout: 30_000 });
  expect(await failedRow.locator('[data-testid=error]').textContent()).toMatch(/^target incompatible: /);
  await failedRow.click();
  await page.locator('[data-testid=run-error]', { hasText: 'target incompatible' }).waitFor();
  await page.locator(`tr[data-job="${jobs.broken}"] .badge`, { hasText: 'failed' }).waitFor();
  await shoot(page, 'console-failed-run.png');

  expect(errors).toEqual([]);
  await page.close();
});

it('draws a run loaded within one step of its chart as a level line, not a lone vertex', async () => {
  // The first test's run usually spans two seconds or more; CI once loaded it within one, and
  // the chart was a single vertex that draws nothing. Here the endpoint answers with one point.
  const runId = await newestRunOf(jobs.good);
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  await page.route(`**/runs/${runId}/throughput`, (route) =>
    route.fulfill({
      contentType: 'application/json',
      body: JSON.stringify({
        stepSeconds: 1,
        points: [{ at: new Date().toISOString(), rowsPerSecond: rows }],
      }),
    }),
  );
  await page.goto(`${pipeline.coordinatorUrl}/`);
  await page.fill('#token', pipeline.apiToken ?? '');
  await page.click('#login-form button[type=submit]');
  await page.locator(`#runs-body tr[data-run-id="${runId}"]`).click();
  const polyline = page.locator('#run svg.chart polyline');
  await polyline.waitFor({ state: 'attached' });
  expect(await polyline.getAttribute('points')).toBe('10.0,20.0 630.0,20.0');
  expect(await page.locator('#run svg.chart').getAttribute('aria-label')).toBe(
    `rows per second over the run, 1 point, peak ${rows}`,
  );
  await page.close();
});
