// Triggers from other systems: a plain kafkajs producer that knows only the documented Avro
// schema (the .avsc file), the same trigger twice, a burst of triggers during one run, and
// malformed triggers that must be dead-lettered while the coordinator keeps working.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Type } from 'avsc';
import { Kafka, logLevel } from 'kafkajs';
import { createAllTypesTable, executeSql } from '@qupersync/testing';
import { PipelineHarness, uniqueSuffix } from './pipeline.harness';

jest.setTimeout(240_000);

const suffix = uniqueSuffix();
const table = `e2e_triggered_${suffix}`;
const job = `e2e-triggered-${suffix}`;
const schemaFile = join(__dirname, '../../libs/contracts/src/topics/trigger-v1/trigger.avsc');

let pipeline: PipelineHarness;
const kafka = new Kafka({
  clientId: 'another-system',
  brokers: (process.env.KAFKA_BROKERS ?? '').split(','),
  logLevel: logLevel.NOTHING,
});
const producer = kafka.producer();

beforeAll(async () => {
  await createAllTypesTable(process.env.WAREHOUSE_DATABASE_URL ?? '', table, 3_000);
  await executeSql(process.env.DATABASE_URL ?? '', `DROP TABLE IF EXISTS public.${table}`);
  pipeline = await PipelineHarness.start([{ name: job, table, mode: 'full', batchSize: 500 }]);
  await producer.connect();
});

afterAll(async () => {
  await producer.disconnect();
  await pipeline?.stop();
});

// Another system's code: the schema file and kafkajs, nothing of QuperSync's.
const triggerType = Type.forSchema(
  JSON.parse(readFileSync(schemaFile, 'utf8')) as Parameters<typeof Type.forSchema>[0],
);
async function sendTrigger(value: Buffer): Promise<void> {
  await producer.send({ topic: 'qupersync.trigger.v1', messages: [{ key: job, value }] });
}

it('starts a run from a documented Avro trigger, once per request key', async () => {
  const requestKey = `order-system-${suffix}-1`;
  const trigger = { job, requestKey, mode: null, requestedBy: 'order-system', requestedAtMs: Date.now() };
  await sendTrigger(triggerType.toBuffer(trigger));
  await sendTrigger(triggerType.toBuffer(trigger));
  const run = await pipeline.findRunByRequestKey(job, requestKey);
  const ended = await pipeline.waitForRun(run.runId);
  expect(ended).toMatchObject({ status: 'succeeded', rowsLoaded: 3_000 });
  const runs = await pipeline.api<Array<{ requestKey: string | null }>>(`/runs?job=${job}`);
  expect(runs.filter((candidate) => candidate.requestKey === requestKey)).toHaveLength(1);
});

it('runs the documented example producer as another system would', async () => {
  const requestKey = `readme-example-${suffix}`;
  const result = spawnSync(
    process.execPath,
    [join(__dirname, '../../examples/send-trigger.js'), job, 'full'],
    {
      env: { ...process.env, REQUEST_KEY: requestKey },
      encoding: 'utf8',
    },
  );
  expect(result.status).toBe(0);
  expect(result.stdout).toContain(`sent trigger ${requestKey}`);
  const run = await pipeline.findRunByRequestKey(job, requestKey);
  expect((await pipeline.waitForRun(run.runId)).status).toBe('succeeded');
});

it('coalesces different triggers that arrive during one run into one follow-up run', async () => {
  const first = await pipeline.trigger(job, { requestKey: `burst-${suffix}-0` });
  const others = await Promise.all(
    [1, 2, 3].map((index) => pipeline.trigger(job, { requestKey: `burst-${suffix}-${index}` })),
  );
  // The active run may have fixed its upper bound: they all join the one run queued behind it.
  const [followUp] = others;
  expect(followUp?.runId).not.toBe(first.runId);
  for (const other of others) expect(other).toMatchObject({ runId: followUp?.runId, coalesced: true });
  expect((await pipeline.waitForRun(first.runId)).status).toBe('succeeded');
  expect((await pipeline.waitForRun(followUp?.runId ?? '')).status).toBe('succeeded');
});

it('dead-letters malformed triggers and keeps serving good ones', async () => {
  // Dead letters of this test's triggers carry the trigger's key: the job name.
  const consumer = kafka.consumer({ groupId: `dead-letter-reader-${suffix}` });
  await consumer.connect();
  await consumer.subscribe({ topic: 'qupersync.dead-letter.v1', fromBeginning: true });
  const reasons: string[] = [];
  await consumer.run({
    eachMessage: ({ message }) => {
      if (message.key?.toString() === job) reasons.push(message.value?.toString('latin1') ?? '');
      return Promise.resolve();
    },
  });

  await sendTrigger(Buffer.from('definitely not avro'));
  await sendTrigger(
    triggerType.toBuffer({
      job: 'no-such-job',
      requestKey: `bad-${suffix}`,
      mode: null,
      requestedBy: null,
      requestedAtMs: Date.now(),
    }),
  );
  await sendTrigger(
    triggerType.toBuffer({ job, requestKey: '', mode: 'full', requestedBy: null, requestedAtMs: Date.now() }),
  );
  const requestKey = `after-bad-${suffix}`;
  await sendTrigger(
    triggerType.toBuffer({ job, requestKey, mode: 'full', requestedBy: null, requestedAtMs: Date.now() }),
  );

  const run = await pipeline.findRunByRequestKey(job, requestKey);
  expect((await pipeline.waitForRun(run.runId)).status).toBe('succeeded');
  const deadline = Date.now() + 30_000;
  while (reasons.length < 3 && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 200));
  await consumer.disconnect();
  expect(reasons.some((text) => text.includes('MESSAGE_UNDECODABLE'))).toBe(true);
  expect(reasons.some((text) => text.includes('unknown job "no-such-job"'))).toBe(true);
  expect(reasons.some((text) => text.includes('requestKey'))).toBe(true);
});
