// Every failure ends: a Data API statement still running after the job's source.statement_timeout
// is cancelled and fails the extraction with that reason, so the run fails at once instead of
// waiting for the stall timeout; the watermark stays.
import { createAllTypesTable, executeSql } from '@qupersync/testing';
import { PipelineHarness, uniqueSuffix } from './pipeline.harness';

jest.setTimeout(120_000);

const suffix = uniqueSuffix();
const table = `e2e_deadline_${suffix}`;
const job = `e2e-deadline-${suffix}`;
let pipeline: PipelineHarness;

beforeAll(async () => {
  await createAllTypesTable(process.env.WAREHOUSE_DATABASE_URL ?? '', table, 100);
  await executeSql(process.env.DATABASE_URL ?? '', `DROP TABLE IF EXISTS public.${table}`);
  pipeline = await PipelineHarness.start([{ name: job, table, statementTimeout: '1s' }]);
});

afterAll(async () => {
  await pipeline?.injectDataApiFaults(null).catch(() => undefined);
  await pipeline?.stop();
});

it('fails the run when a statement outlives source.statement_timeout, naming it', async () => {
  // Statements sit in SUBMITTED for 20 s; the deadline is 1 s (the stall timeout is minutes).
  await pipeline.injectDataApiFaults({ statementQueueDelayMs: 20_000 });
  const started = Date.now();
  const run = await pipeline.triggerAndWait(job);
  expect(run.status).toBe('failed');
  expect(run.error).toMatch(
    /extraction failed: statement .* abandoned: .*source\.statement_timeout \(1000 ms\) passed/,
  );
  expect(Date.now() - started).toBeLessThan(15_000);
  expect(run.watermark).toBeNull();
});
