// Poison on every topic: undecodable bytes and well-formed Avro with nonsense values. Each is
// dead-lettered (or ignored where it names nothing QuperSync knows) and the pipeline goes on.
import { randomBytes, randomUUID } from 'node:crypto';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import {
  BatchContainerCodec,
  batchEventCodec,
  deadLetterCodec,
  extractRequestCodec,
  toBatchHeaders,
  TopicNames,
  triggerCodec,
} from '@qupersync/contracts';
import {
  buildAllKindsRow,
  buildAllKindsSchema,
  createAllTypesTable,
  executeSql,
  tableFingerprint,
} from '@qupersync/testing';
import { PipelineHarness, uniqueSuffix } from './pipeline.harness';

jest.setTimeout(240_000);

const suffix = uniqueSuffix();
const table = `e2e_poison_${suffix}`;
const job = `e2e-poison-${suffix}`;
const kafka = new Kafka({
  clientId: 'poisoner',
  brokers: (process.env.KAFKA_BROKERS ?? '').split(','),
  logLevel: logLevel.NOTHING,
});
const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
let pipeline: PipelineHarness;

beforeAll(async () => {
  await createAllTypesTable(process.env.WAREHOUSE_DATABASE_URL ?? '', table, 2_000);
  await executeSql(process.env.DATABASE_URL ?? '', `DROP TABLE IF EXISTS public.${table}`);
  pipeline = await PipelineHarness.start([{ name: job, table, mode: 'full', batchSize: 250 }]);
  await producer.connect();
});

afterAll(async () => {
  await producer.disconnect();
  await pipeline?.stop();
});

it('dead-letters poison on every topic and keeps syncing', async () => {
  const key = `poison-${suffix}`;
  const runId = randomUUID();
  const headers = toBatchHeaders({
    job,
    runId,
    sequence: 0,
    rowCount: 1,
    cursorFrom: null,
    cursorTo: null,
    extractionId: null,
    part: null,
    parts: null,
    jobVersion: null,
  });
  const nonsenseBatch = new BatchContainerCodec({
    ...buildAllKindsSchema(job),
    primaryKey: ['no_such_column'],
  }).encode([buildAllKindsRow(1n)]);
  const poison: Array<{ topic: string; value: Buffer; headers?: Record<string, string> }> = [
    { topic: TopicNames.trigger, value: randomBytes(64) },
    {
      topic: TopicNames.trigger,
      value: triggerCodec
        .encode({ job, requestKey: key, mode: null, requestedBy: null, requestedAtMs: 1 })
        .subarray(0, 5),
    },
    { topic: TopicNames.extractRequest, value: randomBytes(48) },
    {
      topic: TopicNames.extractRequest,
      value: extractRequestCodec.encode({
        runId,
        job: 'no-such-job',
        mode: 'full',
        fromCursor: null,
        requestedAtMs: 1,
        keys: null,
      }),
    },
    { topic: TopicNames.batchExtracted, value: randomBytes(128), headers },
    { topic: TopicNames.batchExtracted, value: nonsenseBatch },
    { topic: TopicNames.batchTransformed, value: randomBytes(128), headers },
    { topic: TopicNames.batchTransformed, value: nonsenseBatch, headers },
    { topic: TopicNames.batchEvent, value: randomBytes(32) },
    {
      topic: TopicNames.batchEvent,
      value: Buffer.concat([
        batchEventCodec.encode({
          eventId: key,
          runId,
          job,
          kind: 'batch_loaded',
          sequence: 0,
          rowCount: 1,
          rowsWritten: 1,
          rowsDeadLettered: 0,
          cursorFrom: null,
          cursorTo: null,
          totalBatches: null,
          errorCode: null,
          error: null,
          topic: null,
          partition: null,
          offset: null,
          service: 'poisoner',
          occurredAtMs: 1,
          extractionId: null,
        }),
      ]),
    },
  ];
  for (const message of poison) {
    await producer.send({
      topic: message.topic,
      messages: [{ key, value: message.value, headers: message.headers }],
    });
  }

  // The pipeline still syncs, exactly.
  const run = await pipeline.triggerAndWait(job);
  expect(run).toMatchObject({ status: 'succeeded', rowsLoaded: 2_000 });
  expect(await tableFingerprint(process.env.DATABASE_URL ?? '', table)).toEqual(
    await tableFingerprint(process.env.WAREHOUSE_DATABASE_URL ?? '', table),
  );

  // Every undecodable or invalid message was dead-lettered with a reason and its source offset.
  const consumer = kafka.consumer({ groupId: `poison-reader-${suffix}` });
  await consumer.connect();
  await consumer.subscribe({ topic: TopicNames.deadLetter, fromBeginning: true });
  const deadLetters: Array<{ sourceTopic: string | null; errorCode: string }> = [];
  await consumer.run({
    eachMessage: ({ message }) => {
      if (message.key?.toString() === key) {
        const letter = deadLetterCodec.decode(message.value);
        deadLetters.push({ sourceTopic: letter.sourceTopic, errorCode: letter.errorCode });
      }
      return Promise.resolve();
    },
  });
  const expectedTopics = [
    TopicNames.trigger,
    TopicNames.batchExtracted,
    TopicNames.batchTransformed,
    TopicNames.batchEvent,
  ];
  const deadline = Date.now() + 30_000;
  while (
    Date.now() < deadline &&
    !expectedTopics.every((topic) => deadLetters.some((letter) => letter.sourceTopic === topic))
  ) {
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  await consumer.disconnect();
  for (const topic of expectedTopics)
    expect(deadLetters.filter((letter) => letter.sourceTopic === topic).length).toBeGreaterThan(0);
  expect(deadLetters.every((letter) => letter.errorCode.length > 0)).toBe(true);
});
