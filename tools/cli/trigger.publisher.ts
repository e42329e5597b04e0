// Publishes a trigger to qupersync.trigger.v1 the way other systems do: Avro via the contract's
// codec, keyed by job name. Used by `qupersync trigger --via kafka` to exercise the public entry point.
import { TopicNames, triggerCodec, type TriggerMessage } from '@qupersync/contracts';
import { Kafka, logLevel } from 'kafkajs';
import { toKafkaConfig } from '@qupersync/kafka';
import type { KafkaSettings } from '@qupersync/kafka';

export class TriggerPublisher {
  private readonly kafka: Kafka;

  /** `security`: the same TLS and SASL settings the services use (kafkaSecurityFromEnvironment). */
  constructor(brokers: readonly string[], security: Pick<KafkaSettings, 'ssl' | 'tls' | 'sasl'>) {
    this.kafka = new Kafka({
      ...toKafkaConfig({ brokers, clientId: 'qupersync-cli', ...security }),
      logLevel: logLevel.NOTHING,
      retry: { retries: 3 },
    });
  }

  async publish(message: TriggerMessage): Promise<void> {
    const value = triggerCodec.encode(message);
    // acks -1: the CLI reports "published" only once the broker has the trigger for good.
    const producer = this.kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    try {
      await producer.send({ topic: TopicNames.trigger, acks: -1, messages: [{ key: message.job, value }] });
    } finally {
      await producer.disconnect();
    }
  }
}
