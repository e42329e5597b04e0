// Extract requests are keyed by job, so two jobs can share a partition of
// qupersync.extract-request.v1. A long extraction of one must not hold the other's request
// behind it until the stall timeout: the extractor runs each request's extraction detached from
// the partition (several at once), and commits a request's offset only when its extraction ends.
// Here job A's statements wait 20 s in the warehouse queue; job B, on the same partition, is
// triggered after A has started and must finish while A is still extracting. Both end exact.
import { Partitioners } from 'kafkajs';
import { topicPartitions, TopicNames } from '@qupersync/contracts';
import { executeSql, tableFingerprint } from '@qupersync/testing';
import { PipelineHarness, uniqueSuffix } from './pipeline.harness';

jest.setTimeout(180_000);

const suffix = uniqueSuffix();
const slowTable = `e2e_conc_slow_${suffix}`;
const fastTable = `e2e_conc_fast_${suffix}`;
const warehouseUrl = (): string => process.env.WAREHOUSE_DATABASE_URL ?? '';
const databaseUrl = (): string => process.env.DATABASE_URL ?? '';

/** The extract-request partition the coordinator's producer (kafkajs's default) picks for a job. */
function partitionOf(job: string): number {
  const partitioner = Partitioners.DefaultPartitioner();
  const partitions = topicPartitions[TopicNames.extractRequest];
  return partitioner({
    topic: TopicNames.extractRequest,
    partitionMetadata: Array.from({ length: partitions }, (_unused, partitionId) => ({
      partitionId,
      leader: 0,
      partitionErrorCode: 0,
      replicas: [0],
      isr: [0],
    })),
    message: { key: job, value: null },
  });
}

const slowJob = `e2e-conc-slow-${suffix}`;
const fastJob = ((): string => {
  for (let attempt = 0; ; attempt++) {
    const candidate = `e2e-conc-fast-${suffix}-${attempt}`;
    if (partitionOf(candidate) === partitionOf(slowJob)) return candidate;
  }
})();

let pipeline: PipelineHarness;

beforeAll(async () => {
  for (const table of [slowTable, fastTable]) {
    await executeSql(
      warehouseUrl(),
      `CREATE TABLE public.${table} (id bigint NOT NULL, updated_at timestamp)`,
    );
    await executeSql(
      warehouseUrl(),
      `INSERT INTO public.${table} SELECT g, timestamp '2026-01-01' + g * interval '1 second' FROM generate_series(1, 500) g`,
    );
  }
  pipeline = await PipelineHarness.start([
    { name: slowJob, table: slowTable, mode: 'full' },
    { name: fastJob, table: fastTable, mode: 'full' },
  ]);
});

afterAll(async () => {
  await pipeline?.injectDataApiFaults(null).catch(() => undefined);
  await pipeline?.stop();
});

it("does not hold a job's extract request behind another job's long extraction on its partition", async () => {
  expect(partitionOf(fastJob)).toBe(partitionOf(slowJob));
  await pipeline.injectDataApiFaults({ statementQueueDelayMs: 20_000, queueDelayMatching: slowTable });
  const slow = await pipeline.trigger(slowJob);
  // The slow job's request has been taken: its first statement sits in the warehouse queue.
  await pipeline.waitForRunState(slow.runId, 'started extracting', (run) => run.status === 'extracting');
  await new Promise((resolve) => setTimeout(resolve, 1_000));

  const started = Date.now();
  const fast = await pipeline.triggerAndWait(fastJob);
  expect(fast).toMatchObject({ status: 'succeeded', rowsExtracted: 500, rowsLoaded: 500 });
  // Well inside the slow statement's 20 s: it did not wait for the slow job's extraction.
  expect(Date.now() - started).toBeLessThan(12_000);
  expect((await pipeline.api<{ status: string }>(`/runs/${slow.runId}`)).status).toBe('extracting');

  // Its later statements need not queue too.
  await pipeline.injectDataApiFaults(null);
  const slowRun = await pipeline.waitForRun(slow.runId);
  expect(slowRun).toMatchObject({ status: 'succeeded', rowsExtracted: 500, rowsLoaded: 500 });
  for (const table of [slowTable, fastTable])
    expect(await tableFingerprint(databaseUrl(), table)).toEqual(
      await tableFingerprint(warehouseUrl(), table),
    );
});
