// Another system asking QuperSync to sync a job: a plain kafkajs producer and the published
// Avro schema, nothing else of QuperSync's. Copy it, keep the schema file beside it.
//   KAFKA_BROKERS=127.0.0.1:9092 node examples/send-trigger.js orders [full|incremental]
// The same requestKey sent twice starts one run; a trigger during a run joins that run.
'use strict';
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const { randomUUID } = require('node:crypto');
const avro = require('avsc');
const { Kafka, Partitioners } = require('kafkajs');

const schemaFile = join(__dirname, '..', 'libs', 'contracts', 'src', 'topics', 'trigger-v1', 'trigger.avsc');
const triggerType = avro.Type.forSchema(JSON.parse(readFileSync(schemaFile, 'utf8')));

async function main() {
  const [job, mode] = process.argv.slice(2);
  if (!job) throw new Error('usage: node examples/send-trigger.js <job> [full|incremental]');
  const brokers = (process.env.KAFKA_BROKERS || '127.0.0.1:9092').split(',');
  const producer = new Kafka({ clientId: 'order-system', brokers }).producer({
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  const trigger = {
    job,
    requestKey: process.env.REQUEST_KEY || `order-system:${randomUUID()}`,
    mode: mode || null,
    requestedBy: 'order-system',
    requestedAtMs: Date.now(),
  };
  await producer.send({
    topic: 'qupersync.trigger.v1',
    messages: [{ key: job, value: triggerType.toBuffer(trigger) }],
  });
  await producer.disconnect();
  console.log(`sent trigger ${trigger.requestKey} for job ${job}`);
}

main().catch((error) => {
  console.error(error.message);
  process.exit(1);
});
