// Extractors scale out in one consumer group, so one joining or restarting rebalances the group
// under a running extraction. kafkajs's heartbeat() throws while the group rebalances; that must
// not fail the extraction (it used to end the run with extraction_failed). A second extractor
// starts in the middle of a run: the run succeeds, exact, whichever extractor finishes it (the
// run fence keeps a redelivered request's second attempt from mixing with the first).
import { createAllTypesTable, executeSql, tableFingerprint } from '@qupersync/testing';
import { PipelineHarness, uniqueSuffix } from './pipeline.harness';

jest.setTimeout(300_000);

const suffix = uniqueSuffix();
const table = `e2e_rebalance_${suffix}`;
const job = `e2e-rebalance-${suffix}`;
const rows = 30_000;
const warehouseUrl = (): string => process.env.WAREHOUSE_DATABASE_URL ?? '';
const databaseUrl = (): string => process.env.DATABASE_URL ?? '';

let pipeline: PipelineHarness;

beforeAll(async () => {
  await createAllTypesTable(warehouseUrl(), table, rows);
  await executeSql(databaseUrl(), `DROP TABLE IF EXISTS public.${table}`);
  pipeline = await PipelineHarness.start([{ name: job, table, mode: 'full', batchSize: 100 }]);
});

afterAll(async () => {
  await pipeline?.injectDataApiFaults(null).catch(() => undefined);
  await pipeline?.stop();
});

it('finishes a run exactly when a second extractor joins the group in the middle of it', async () => {
  // Slow pages: the extraction lasts well beyond the second extractor's start and rebalance.
  await pipeline.injectDataApiFaults({ latencyMs: 100 });
  const { runId } = await pipeline.trigger(job);
  await pipeline.waitForRunState(runId, 'started extracting', (run) => run.rowsExtracted > 0);
  await pipeline.startAnother('extractor', 'extractor-2');
  // Let the rebalance happen under the running extraction before the pages speed up again.
  await new Promise((resolve) => setTimeout(resolve, 8_000));
  await pipeline.injectDataApiFaults(null);

  const run = await pipeline.waitForRun(runId);
  expect(run).toMatchObject({ status: 'succeeded', rowsExtracted: rows, rowsLoaded: rows, failedBatches: 0 });
  expect(run.error).toBeNull();
  expect(await tableFingerprint(databaseUrl(), table)).toEqual(await tableFingerprint(warehouseUrl(), table));
});
