// Chaos (npm run test:chaos): every service killed with -9 in turn in the middle of a run, and
// the Kafka broker restarted mid-run. After recovery the target equals the source value by
// value, no key is duplicated, and the run and watermark are what DESIGN.md section 2 promises.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAllTypesTable, executeSql, tableFingerprint } from '@qupersync/testing';
import { createTopics, startKafka, stopKafka, type KafkaServer } from '../../tools/stack';
import { PipelineHarness, uniqueSuffix, type RunSummary } from '../e2e/pipeline.harness';

jest.setTimeout(600_000);

const suffix = uniqueSuffix();
const rows = 40_000;
const warehouseUrl = (): string => process.env.WAREHOUSE_DATABASE_URL ?? '';
const databaseUrl = (): string => process.env.DATABASE_URL ?? '';
const victims = ['extractor', 'transformer', 'loader', 'coordinator'] as const;
const tableOf = (name: string): string => `chaos_${name}_${suffix}`;
const jobOf = (name: string): string => `chaos-${name}-${suffix}`;

const kafkaDirectory = mkdtempSync(join(tmpdir(), 'qupersync-chaos-kafka-'));
let kafka: KafkaServer;
let pipeline: PipelineHarness;

async function waitForProgress(runId: string, batches: number): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const run = await pipeline.api<RunSummary>(`/runs/${runId}`);
    if (run.batchesLoaded >= batches || run.status === 'succeeded' || run.status === 'failed') return;
    if (Date.now() > deadline) throw new Error(`run ${runId} made no progress`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function expectExactCopy(table: string): Promise<void> {
  expect(await tableFingerprint(databaseUrl(), table)).toEqual(await tableFingerprint(warehouseUrl(), table));
}

beforeAll(async () => {
  // A broker of this suite's own, so restarting it cannot disturb other suites.
  kafka = await startKafka({ directory: kafkaDirectory });
  await createTopics(kafka.brokers);
  for (const name of [...victims, 'broker']) {
    await createAllTypesTable(warehouseUrl(), tableOf(name), rows);
    await executeSql(databaseUrl(), `DROP TABLE IF EXISTS public.${tableOf(name)}`);
  }
  pipeline = await PipelineHarness.start(
    [...victims, 'broker'].map((name) => ({
      name: jobOf(name),
      table: tableOf(name),
      mode: 'incremental' as const,
      batchSize: 500,
    })),
    { loaders: 2, environment: { KAFKA_BROKERS: kafka.brokers } },
  );
});

afterAll(async () => {
  await pipeline?.stop();
  if (kafka) await stopKafka(kafka);
});

it.each(victims)('completes a run exactly when the %s is killed with -9 mid-run', async (victim) => {
  const { runId } = await pipeline.trigger(jobOf(victim));
  await waitForProgress(runId, 8);
  await pipeline.killAndRestart(victim === 'loader' ? 'loader-1' : victim);
  const run = await pipeline.waitForRun(runId, 300_000);
  expect(run).toMatchObject({ status: 'succeeded', rowsExtracted: rows, failedBatches: 0 });
  expect(run.watermark).not.toBeNull();
  await expectExactCopy(tableOf(victim));
  // A second run finds nothing new: the watermark is where the data is.
  expect(await pipeline.triggerAndWait(jobOf(victim))).toMatchObject({
    status: 'succeeded',
    rowsExtracted: 0,
  });
});

it('completes a run exactly when the Kafka broker restarts mid-run', async () => {
  const { runId } = await pipeline.trigger(jobOf('broker'));
  await waitForProgress(runId, 8);
  await stopKafka(kafka);
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  kafka = await startKafka({
    directory: kafkaDirectory,
    port: kafka.port,
    controllerPort: kafka.controllerPort,
  });
  const run = await pipeline.waitForRun(runId, 300_000);
  expect(run).toMatchObject({ status: 'succeeded', rowsExtracted: rows, failedBatches: 0 });
  await expectExactCopy(tableOf('broker'));
});
