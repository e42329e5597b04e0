// Stale work is fenced: batches of an ended run never reach the target. The transformed batches
// of a first full run are captured from qupersync.batch.transformed.v1 and produced again after a
// second run has loaded newer values; the job has no watermark, so the upsert's own "not older"
// guard cannot help. The loader drops every replayed batch inside its transaction (the run's
// fence is closed), reports it, and the first run counts the rows as stale.
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import type { IHeaders } from 'kafkajs';
import { batchHeaderNames, TopicNames } from '@qupersync/contracts';
import { createAllTypesTable, executeSql, tableFingerprint } from '@qupersync/testing';
import { PipelineHarness, RunSummary, uniqueSuffix } from './pipeline.harness';

jest.setTimeout(300_000);

const suffix = uniqueSuffix();
const table = `e2e_fence_${suffix}`;
const job = `e2e-fence-${suffix}`;
const rows = 500;
const warehouseUrl = (): string => process.env.WAREHOUSE_DATABASE_URL ?? '';
const databaseUrl = (): string => process.env.DATABASE_URL ?? '';
const kafka = (): Kafka =>
  new Kafka({
    clientId: `e2e-fence-${suffix}`,
    brokers: (process.env.KAFKA_BROKERS ?? '').split(','),
    logLevel: logLevel.NOTHING,
  });

interface CapturedRecord {
  key: Buffer | null;
  value: Buffer | null;
  headers: IHeaders;
}

let pipeline: PipelineHarness;

beforeAll(async () => {
  await createAllTypesTable(warehouseUrl(), table, rows);
  await executeSql(databaseUrl(), `DROP TABLE IF EXISTS public.${table}`);
  pipeline = await PipelineHarness.start([
    { name: job, table, mode: 'full', watermark: null, batchSize: 100 },
  ]);
});

afterAll(async () => {
  await pipeline?.stop();
});

/** Every transformed record of one run, read from the beginning of the topic by a fresh group. */
async function captureTransformed(runId: string, expected: number): Promise<CapturedRecord[]> {
  const consumer = kafka().consumer({ groupId: `e2e-fence-capture-${randomUUID()}` });
  const found: CapturedRecord[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: TopicNames.batchTransformed, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        if (message.headers?.[batchHeaderNames.runId]?.toString() === runId)
          found.push({ key: message.key, value: message.value, headers: message.headers });
        await Promise.resolve();
      },
    });
    const deadline = Date.now() + 60_000;
    while (found.length < expected && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 250));
  } finally {
    await consumer.disconnect();
  }
  return found;
}

it('drops batches replayed from the topic after a newer run, and counts them as stale', async () => {
  const first = await pipeline.triggerAndWait(job, { mode: 'full' });
  expect(first).toMatchObject({ status: 'succeeded', rowsLoaded: rows, rowsStale: 0 });
  const captured = await captureTransformed(first.runId, 5);
  expect(captured).toHaveLength(5);

  await executeSql(warehouseUrl(), `UPDATE public.${table} SET note = 'second version', status = NULL`);
  const second = await pipeline.triggerAndWait(job, { mode: 'full' });
  expect(second).toMatchObject({ status: 'succeeded', rowsLoaded: rows });
  const expected = await tableFingerprint(warehouseUrl(), table);
  expect(await tableFingerprint(databaseUrl(), table)).toEqual(expected);

  const producer = kafka().producer();
  await producer.connect();
  try {
    await producer.send({ topic: TopicNames.batchTransformed, messages: captured });
  } finally {
    await producer.disconnect();
  }

  const replayed = await pipeline.waitForRunState(
    first.runId,
    `counted ${rows} stale rows`,
    (run) => run.rowsStale >= rows,
  );
  expect(replayed).toMatchObject({ status: 'succeeded', rowsStale: rows, rowsLoaded: rows });
  // The target still holds the second run's values, row for row.
  expect(await tableFingerprint(databaseUrl(), table)).toEqual(expected);
  expect(await pipeline.api<RunSummary>(`/runs/${second.runId}`)).toMatchObject({ rowsStale: 0 });
});
