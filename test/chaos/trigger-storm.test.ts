// Chaos (npm run test:chaos): a storm of generated triggers — random bytes, unknown jobs, a
// payload near the broker's limit, duplicates of one key, concurrent different keys. The
// coordinator survives, starts exactly the runs it should, and they sync exactly.
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { TopicNames, triggerCodec } from '@qupersync/contracts';
import { createAllTypesTable, executeSql, tableFingerprint } from '@qupersync/testing';
import { PipelineHarness, uniqueSuffix, type RunSummary } from '../e2e/pipeline.harness';

jest.setTimeout(300_000);

const suffix = uniqueSuffix();
const table = `chaos_storm_${suffix}`;
const job = `chaos-storm-${suffix}`;
const kafka = new Kafka({
  clientId: 'storm',
  brokers: (process.env.KAFKA_BROKERS ?? '').split(','),
  logLevel: logLevel.NOTHING,
});
const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
let pipeline: PipelineHarness;

beforeAll(async () => {
  await createAllTypesTable(process.env.WAREHOUSE_DATABASE_URL ?? '', table, 5_000);
  await executeSql(process.env.DATABASE_URL ?? '', `DROP TABLE IF EXISTS public.${table}`);
  pipeline = await PipelineHarness.start([{ name: job, table, mode: 'full', batchSize: 500 }]);
  await producer.connect();
});

afterAll(async () => {
  await producer.disconnect();
  await pipeline?.stop();
});

it('survives a storm of malformed, duplicate and concurrent triggers and runs exactly what it should', async () => {
  const trigger = (requestKey: string, name = job): Buffer =>
    triggerCodec.encode({
      job: name,
      requestKey,
      mode: null,
      requestedBy: 'storm',
      requestedAtMs: Date.now(),
    });
  const storm: Buffer[] = [
    ...Array.from({ length: 25 }, (_, index) => randomBytes(1 + index * 37)),
    ...Array.from({ length: 10 }, (_, index) =>
      trigger(`unknown-${suffix}-${index}`, `no-such-job-${index}`),
    ),
    Buffer.concat([trigger(`huge-${suffix}`), randomBytes(900 * 1024)]),
    ...Array.from({ length: 5 }, () => trigger(`duplicate-${suffix}`)),
  ];
  await producer.send({ topic: TopicNames.trigger, messages: storm.map((value) => ({ key: job, value })) });
  const duplicate = await pipeline.findRunByRequestKey(job, `duplicate-${suffix}`);
  expect((await pipeline.waitForRun(duplicate.runId)).status).toBe('succeeded');

  // Concurrent different keys while nothing runs: one run starts; the rest join it while it is
  // pending, or the one follow-up queued behind it once it has asked for its extraction.
  const concurrent = await Promise.all(
    Array.from({ length: 10 }, (_, index) =>
      pipeline.trigger(job, { requestKey: `concurrent-${suffix}-${index}` }),
    ),
  );
  const runIds = new Set(concurrent.map((outcome) => outcome.runId));
  expect(runIds.size).toBeGreaterThanOrEqual(1);
  expect(runIds.size).toBeLessThanOrEqual(2);
  for (const runId of runIds) expect((await pipeline.waitForRun(runId)).status).toBe('succeeded');

  const runs = await pipeline.api<RunSummary[]>(`/runs?job=${job}&limit=100`);
  expect(runs.filter((run) => run.requestKey === `duplicate-${suffix}`)).toHaveLength(1);
  expect(runs.every((run) => run.status === 'succeeded')).toBe(true);
  expect(await tableFingerprint(process.env.DATABASE_URL ?? '', table)).toEqual(
    await tableFingerprint(process.env.WAREHOUSE_DATABASE_URL ?? '', table),
  );
  const health = await fetch(`${pipeline.coordinatorUrl}/health`);
  expect(health.status).toBe(200);
});
