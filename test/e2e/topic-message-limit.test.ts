// Batches are sized by KAFKA_MAX_BATCH_BYTES (4 MiB by default), and each batch topic's own
// max.message.bytes lowers that: an operator who made the topics by hand, at the broker's 1 MiB
// default, must get batches split to fit, not a run failed by the broker's MESSAGE_TOO_LARGE.
// Here the raw-batch topic takes 512 KiB and the transformed one 192 KiB: the extractor cuts its
// ~1 MB batches to fit the first, and the transformer cuts those again to fit the second.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigResourceTypes, Kafka, logLevel } from 'kafkajs';
import { TopicNames } from '@qupersync/contracts';
import { executeSql, tableFingerprint } from '@qupersync/testing';
import { PipelineHarness, uniqueSuffix } from './pipeline.harness';

jest.setTimeout(180_000);

const suffix = uniqueSuffix();
const table = `e2e_topic_limit_${suffix}`;
const job = `e2e-topic-limit-${suffix}`;
/** The same rows with a NULL payload in every 50th, which the job's entity refuses. */
const invalidTable = `e2e_topic_limit_invalid_${suffix}`;
const invalidJob = `e2e-topic-limit-invalid-${suffix}`;
const invalidRows = 2_000;
const warehouseUrl = (): string => process.env.WAREHOUSE_DATABASE_URL ?? '';
const databaseUrl = (): string => process.env.DATABASE_URL ?? '';
const rows = 4_000;
const limits: ReadonlyArray<{ topic: string; bytes: number }> = [
  { topic: TopicNames.batchExtracted, bytes: 512 * 1024 },
  { topic: TopicNames.batchTransformed, bytes: 192 * 1024 },
];

const admin = new Kafka({
  clientId: 'e2e-topic-limit',
  brokers: (process.env.KAFKA_BROKERS ?? '').split(','),
  logLevel: logLevel.NOTHING,
}).admin();
/** Each topic's max.message.bytes as it was (undefined: the broker's default), to put back. */
const original = new Map<string, string | undefined>();
let pipeline: PipelineHarness | undefined;

async function setMessageLimit(topic: string, bytes: string | undefined): Promise<void> {
  // AlterConfigs replaces a topic's overrides as a whole; max.message.bytes is the only one here.
  await admin.alterConfigs({
    validateOnly: false,
    resources: [
      {
        type: ConfigResourceTypes.TOPIC,
        name: topic,
        configEntries: bytes === undefined ? [] : [{ name: 'max.message.bytes', value: bytes }],
      },
    ],
  });
}

beforeAll(async () => {
  await admin.connect();
  for (const { topic, bytes } of limits) {
    const described = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['max.message.bytes'] }],
    });
    const entry = described.resources[0]?.configEntries[0];
    original.set(topic, entry === undefined || entry.isDefault ? undefined : entry.configValue);
    await setMessageLimit(topic, String(bytes));
  }
  await executeSql(
    warehouseUrl(),
    `CREATE TABLE public.${table} (id bigint NOT NULL, payload varchar(4000), updated_at timestamp)`,
  );
  // About 1 KB a row: a batch of 1,000 rows is about 1 MB, twice what the raw-batch topic takes.
  await executeSql(
    warehouseUrl(),
    `INSERT INTO public.${table}
       SELECT g, repeat(md5(g::text), 32), timestamp '2026-01-01' + g * interval '1 second'
       FROM generate_series(1, ${rows}) g`,
  );
  await executeSql(
    warehouseUrl(),
    `CREATE TABLE public.${invalidTable} (id bigint NOT NULL, payload varchar(4000), updated_at timestamp)`,
  );
  await executeSql(
    warehouseUrl(),
    `INSERT INTO public.${invalidTable}
       SELECT g, CASE WHEN g % 50 = 0 THEN NULL ELSE repeat(md5(g::text), 32) END, timestamp '2026-01-01'
       FROM generate_series(1, ${invalidRows}) g`,
  );
  pipeline = await PipelineHarness.start([
    { name: job, table, mode: 'full', batchSize: 1000 },
    {
      name: invalidJob,
      table: invalidTable,
      mode: 'full',
      batchSize: 1000,
      extra: ['entity: { required: [payload] }'],
    },
  ]);
});

afterAll(async () => {
  await pipeline?.stop();
  for (const [topic, bytes] of original) await setMessageLimit(topic, bytes);
  await admin.disconnect();
});

it('cuts batches to fit each topic and loads every row exactly', async () => {
  if (pipeline === undefined) throw new Error('pipeline not started');
  const run = await pipeline.triggerAndWait(job);
  // 1,000 rows (~1 MB) halve to 250-row batches (~256 KB) under 448 KiB: 16 batches, each sent on
  // by the transformer in two parts under 168 KiB. Without the topic's limit, the extractor's
  // 4 MiB would send ~1 MB messages and the broker would refuse every one.
  expect(run).toMatchObject({
    status: 'succeeded',
    rowsExtracted: rows,
    rowsLoaded: rows,
    batches: 16,
    batchesLoaded: 16,
    failedBatches: 0,
  });
  expect(await tableFingerprint(databaseUrl(), table)).toEqual(await tableFingerprint(warehouseUrl(), table));
  const transformerLog = readFileSync(join(pipeline.logDirectory, 'transformer.log'), 'utf8');
  const cut = transformerLog
    .split('\n')
    .filter((line) => line.includes(run.runId) && line.includes('batch sent in parts to fit the broker'));
  expect(cut).toHaveLength(16);
});

it('fails the run at once when the broker refuses a batch, and the next run fits the new limit', async () => {
  if (pipeline === undefined) throw new Error('pipeline not started');
  // The transformer read 192 KiB a moment ago and trusts it for a minute; the topic now takes less.
  await setMessageLimit(TopicNames.batchTransformed, String(64 * 1024));
  const refused = await pipeline.triggerAndWait(invalidJob);
  // Failed within the test's time, not left waiting for the 15-minute stall timeout. Every invalid
  // row is still counted, the refused batch's too (its batch_failed keeps what batch_transformed said).
  expect(refused).toMatchObject({ status: 'failed', rowsInvalid: invalidRows / 50 });
  const failures = await pipeline.api<Array<{ runId: string; errorCode: string; error: string }>>(
    `/failures?job=${invalidJob}`,
  );
  expect(failures.find((failure) => failure.runId === refused.runId)).toMatchObject({
    errorCode: 'BROKER_REJECTED',
    error: expect.stringMatching(/MESSAGE_TOO_LARGE/),
  });
  // The refusal made the transformer forget the limit: the next run reads 64 KiB and cuts to fit.
  const fitted = await pipeline.triggerAndWait(job);
  expect(fitted).toMatchObject({ status: 'succeeded', rowsExtracted: rows, failedBatches: 0 });
  expect(await tableFingerprint(databaseUrl(), table)).toEqual(await tableFingerprint(warehouseUrl(), table));
});
