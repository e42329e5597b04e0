// Proves the servers global-setup provides are usable the way the services use them: the
// contract topics exist with their partition counts, a consumer group joins and commits
// offsets (the single-node coordinator pitfall), transactions commit, and both databases answer.
import { randomUUID } from 'node:crypto';
import { allTopics, topicPartitions } from '@qupersync/contracts';
import { Kafka, logLevel, Partitioners, type Admin, type EachMessagePayload } from 'kafkajs';
import { Client } from 'pg';

const brokers = (process.env.KAFKA_BROKERS ?? '').split(',');
// Quiet: kafkajs logs the retried "coordinator is loading" answers at ERROR; real failures throw.
const kafka = new Kafka({ clientId: 'local-stack-test', brokers, logLevel: logLevel.NOTHING });

describe('local stack', () => {
  let admin: Admin;
  const scratchTopic = `qupersync.test.local-stack.${randomUUID()}`;

  beforeAll(async () => {
    admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic: scratchTopic, numPartitions: 3, replicationFactor: 1 }],
    });
  });

  afterAll(async () => {
    await admin.deleteTopics({ topics: [scratchTopic] });
    await admin.disconnect();
  });

  it('has every contract topic with its partition count', async () => {
    const metadata = await admin.fetchTopicMetadata({ topics: [...allTopics] });
    const counts = Object.fromEntries(metadata.topics.map((topic) => [topic.name, topic.partitions.length]));
    expect(counts).toEqual(topicPartitions);
  });

  it('delivers to a consumer group that commits its offsets', async () => {
    const groupId = `local-stack-test-${randomUUID()}`;
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    // A short fetch wait: disconnect waits for the fetch in flight.
    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
    await producer.connect();
    await consumer.connect();
    try {
      const sent = Array.from({ length: 12 }, (_, index) => ({
        key: `key-${index}`,
        value: `value-${index}`,
      }));
      await producer.send({ topic: scratchTopic, messages: sent });

      await consumer.subscribe({ topic: scratchTopic, fromBeginning: true });
      const received: string[] = [];
      const allReceived = new Promise<void>((resolve) => {
        void consumer.run({
          autoCommit: false,
          eachMessage: async ({ topic, partition, message }: EachMessagePayload) => {
            received.push(message.value?.toString() ?? '');
            await consumer.commitOffsets([
              { topic, partition, offset: (BigInt(message.offset) + 1n).toString() },
            ]);
            if (received.length === sent.length) resolve();
          },
        });
      });
      await allReceived;
      expect(received.sort()).toEqual(sent.map((message) => message.value).sort());

      const [committed] = await admin.fetchOffsets({ groupId, topics: [scratchTopic] });
      const total = (committed?.partitions ?? []).reduce(
        (sum, partition) => sum + Number(partition.offset),
        0,
      );
      expect(total).toBe(sent.length);
    } finally {
      await consumer.disconnect();
      await producer.disconnect();
    }
  }, 60_000);

  it('commits a transaction', async () => {
    const producer = kafka.producer({
      createPartitioner: Partitioners.DefaultPartitioner,
      transactionalId: `local-stack-test-${randomUUID()}`,
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await producer.connect();
    try {
      const transaction = await producer.transaction();
      await transaction.send({ topic: scratchTopic, messages: [{ key: 'tx', value: 'in a transaction' }] });
      await transaction.commit();
    } finally {
      await producer.disconnect();
    }
  }, 60_000);

  it.each([
    ['DATABASE_URL', 'qupersync'],
    ['WAREHOUSE_DATABASE_URL', 'warehouse'],
  ])('answers on %s (database %s)', async (variable, database) => {
    const client = new Client({ connectionString: process.env[variable] });
    await client.connect();
    try {
      const result = await client.query<{ name: string }>('SELECT current_database() AS name');
      expect(result.rows[0]?.name).toBe(database);
    } finally {
      await client.end();
    }
  });
});
