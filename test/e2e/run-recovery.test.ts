// Runs that go wrong: a batch that fails permanently (failure recorded, watermark unchanged,
// the next run after the fix succeeds and advances it) and a coordinator killed with -9 mid-run.
import { createAllTypesTable, executeSql, tableFingerprint } from '@qupersync/testing';
import { PipelineHarness, uniqueSuffix } from './pipeline.harness';

jest.setTimeout(300_000);

const suffix = uniqueSuffix();
const brokenTable = `e2e_broken_${suffix}`;
const brokenJob = `e2e-broken-${suffix}`;
const bigTable = `e2e_restart_${suffix}`;
const bigJob = `e2e-restart-${suffix}`;
const warehouseUrl = (): string => process.env.WAREHOUSE_DATABASE_URL ?? '';
const databaseUrl = (): string => process.env.DATABASE_URL ?? '';

let pipeline: PipelineHarness;

beforeAll(async () => {
  await createAllTypesTable(warehouseUrl(), brokenTable, 2_000);
  await createAllTypesTable(warehouseUrl(), bigTable, 60_000);
  await executeSql(databaseUrl(), `DROP TABLE IF EXISTS public.${bigTable}`);
  // A target table missing columns, under schema_evolution: fail: every batch fails, and not for its rows.
  await executeSql(databaseUrl(), `DROP TABLE IF EXISTS public.${brokenTable}`);
  await executeSql(
    databaseUrl(),
    `CREATE TABLE public.${brokenTable} (id bigint PRIMARY KEY, updated_at timestamp NOT NULL)`,
  );
  pipeline = await PipelineHarness.start([
    {
      name: brokenJob,
      table: brokenTable,
      batchSize: 500,
      extra: ['max_retries: 1', 'schema_evolution: fail'],
    },
    { name: bigJob, table: bigTable, mode: 'full', batchSize: 1000 },
  ]);
});

afterAll(async () => {
  await pipeline?.stop();
});

it('records a permanently failed batch, keeps the watermark, and advances it after the fix', async () => {
  const failed = await pipeline.triggerAndWait(brokenJob);
  expect(failed).toMatchObject({ status: 'failed', batches: 4, failedBatches: 4 });
  const failures = await pipeline.api<
    Array<{ runId: string; sequence: number; offset: string | null; error: string }>
  >(`/failures?job=${brokenJob}`);
  const ofRun = failures.filter((failure) => failure.runId === failed.runId);
  expect(ofRun.map((failure) => failure.sequence).sort()).toEqual([0, 1, 2, 3]);
  expect(ofRun.every((failure) => failure.offset !== null && /column/.test(failure.error))).toBe(true);
  const jobs = await pipeline.api<Array<{ name: string; watermark: string }>>('/jobs');
  expect(jobs.find((job) => job.name === brokenJob)?.watermark).toBeNull();

  // Fix the cause; the next run re-processes the failed rows and moves the watermark.
  await executeSql(databaseUrl(), `DROP TABLE public.${brokenTable}`);
  const fixed = await pipeline.triggerAndWait(brokenJob);
  expect(fixed).toMatchObject({ status: 'succeeded', rowsLoaded: 2_000, failedBatches: 0 });
  expect(fixed.watermark).not.toBeNull();
  expect(await tableFingerprint(databaseUrl(), brokenTable)).toEqual(
    await tableFingerprint(warehouseUrl(), brokenTable),
  );
});

it('completes a run correctly when the coordinator is killed with -9 in the middle of it', async () => {
  const { runId } = await pipeline.trigger(bigJob);
  // Let the run get going, then pull the plug on the coordinator.
  const deadline = Date.now() + 60_000;
  for (;;) {
    const run = await pipeline.api<{ batchesLoaded: number; status: string }>(`/runs/${runId}`);
    if (run.batchesLoaded >= 5 || run.status !== 'extracting' || Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await pipeline.killAndRestart('coordinator');
  const ended = await pipeline.waitForRun(runId);
  expect(ended).toMatchObject({
    status: 'succeeded',
    rowsExtracted: 60_000,
    rowsLoaded: 60_000,
    batches: 60,
    failedBatches: 0,
  });
  expect(await tableFingerprint(databaseUrl(), bigTable)).toEqual(
    await tableFingerprint(warehouseUrl(), bigTable),
  );
});
