// The one injectable door to Kafka (kafkajs). Everything that produces, consumes or
// administers topics goes through here, so the client library can be swapped in one place.
import { randomUUID } from 'node:crypto';
import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import {
  Admin,
  CompressionTypes,
  ConfigResourceTypes,
  Consumer,
  Kafka,
  logLevel,
  LogEntry,
  Producer,
} from 'kafkajs';
import { describeError } from '@qupersync/contracts';
import { JsonLogger } from '@qupersync/observability';
import { classifySendError } from './kafka-error.classifier';
import { KAFKA_SETTINGS, KafkaSettings, toKafkaConfig } from './kafka.settings';
import { ConsumerGroupStatus, partitionLag } from './consumer-groups';
import { installNativeRecordBatchChecksum } from './record-batch-checksum.fix';
import { installRequestQueueIdleFix } from './request-queue-idle.fix';

export interface OutgoingMessage {
  readonly key: string | null;
  readonly value: Buffer;
  readonly headers?: Readonly<Record<string, string>>;
  /** A partition of its own choosing (work spread evenly); absent: by key. */
  readonly partition?: number;
}

export interface TopicSpecification {
  readonly topic: string;
  readonly partitions: number;
  /** Topic-level configuration to create it with (e.g. max.message.bytes). */
  readonly configEntries?: ReadonlyArray<{ readonly name: string; readonly value: string }>;
}

/** How long a topic's message limit is trusted before the broker is asked again. */
const topicLimitTtlMs = 60_000;

/** A broker's message.max.bytes when nobody changed it: assumed when a topic's limit cannot be read. */
const brokerDefaultMessageBytes = 1_048_588;

/**
 * The largest data batch to send to a topic that accepts messages of `topicMaxMessageBytes`:
 * KAFKA_MAX_BATCH_BYTES, or less when the topic allows less, leaving room for the record's key,
 * headers and the record batch's own framing.
 */
export function batchBytesWithin(maxBatchBytes: number, topicMaxMessageBytes: number): number {
  const headroom = Math.min(128 * 1024, Math.floor(topicMaxMessageBytes / 8));
  return Math.max(1, Math.min(maxBatchBytes, topicMaxMessageBytes - headroom));
}

const kafkaLogger = new JsonLogger('kafkajs');

function logCreator() {
  return ({ level, log }: LogEntry): void => {
    const { message, ...fields } = log;
    if (level === logLevel.ERROR) kafkaLogger.error(message, fields);
    else if (level === logLevel.WARN) kafkaLogger.warn(message, fields);
  };
}

@Injectable()
export class KafkaGateway implements OnModuleDestroy {
  private readonly kafka: Kafka;
  private producerConnection: Promise<Producer> | undefined;
  private readonly consumers = new Set<Consumer>();
  private readonly logger = new JsonLogger(KafkaGateway.name);
  private readonly topicLimits = new Map<string, { readonly bytes: Promise<number>; readonly at: number }>();

  constructor(@Inject(KAFKA_SETTINGS) readonly settings: KafkaSettings) {
    installRequestQueueIdleFix();
    if (!installNativeRecordBatchChecksum())
      this.logger.info(
        'record batches are checksummed by kafkajs in JavaScript: the native CRC32C is not in use',
      );
    this.kafka = new Kafka({ ...toKafkaConfig(settings), logLevel: logLevel.WARN, logCreator });
  }

  /** One idempotent producer per process, connected on first use. */
  producer(): Promise<Producer> {
    this.producerConnection ??= (async () => {
      const producer = this.kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
      });
      await producer.connect();
      return producer;
    })().catch((error: unknown) => {
      this.producerConnection = undefined;
      throw error;
    });
    return this.producerConnection;
  }

  async send(topic: string, messages: readonly OutgoingMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const producer = await this.producer();
    try {
      await producer.send({
        topic,
        acks: -1,
        compression: CompressionTypes.None,
        messages: messages.map((message) => ({
          key: message.key,
          value: message.value,
          headers: message.headers ? { ...message.headers } : undefined,
          ...(message.partition === undefined ? {} : { partition: message.partition }),
        })),
      });
    } catch (error) {
      const bytes = messages.reduce((total, message) => total + message.value.length, 0);
      classifySendError(error, topic, messages.length, bytes);
    }
  }

  createConsumer(
    groupId: string,
    options: { sessionTimeoutMs?: number; maxBytesPerPartition?: number; maxWaitTimeMs?: number } = {},
  ): Consumer {
    const consumer = this.kafka.consumer({
      groupId,
      ...(options.maxWaitTimeMs === undefined ? {} : { maxWaitTimeInMs: options.maxWaitTimeMs }),
      sessionTimeout: options.sessionTimeoutMs ?? 30_000,
      heartbeatInterval: 3_000,
      maxBytesPerPartition: options.maxBytesPerPartition ?? 8 * 1024 * 1024,
      maxBytes: 32 * 1024 * 1024,
      allowAutoTopicCreation: false,
    });
    this.consumers.add(consumer);
    return consumer;
  }

  /**
   * Reads `topic` as a broadcast: in a consumer group of this process alone, from the newest
   * record on, committing nothing, so every process sees every record published while it runs.
   * A handler that throws is logged and the record skipped (broadcasts are advisory).
   */
  async subscribeBroadcast(
    topic: string,
    groupPrefix: string,
    onRecord: (value: Buffer | null) => Promise<void> | void,
    options: {
      /**
       * Read what the topic retains as well: nothing published after the call is missed while
       * the new group is still joining (the newest-offset start is only fixed once it has).
       */
      readonly fromBeginning?: boolean;
    } = {},
  ): Promise<void> {
    // A short fetch wait: a disconnect waits for the fetch in flight, and a service must stop
    // well inside its shutdown grace (a killed member holds its group until its session expires).
    const consumer = this.createConsumer(`${groupPrefix}-${randomUUID()}`, { maxWaitTimeMs: 500 });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: options.fromBeginning ?? false });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ message, partition }) => {
        try {
          await onRecord(message.value);
        } catch (error) {
          this.logger.warn('broadcast record skipped', {
            topic,
            partition,
            offset: message.offset,
            error: describeError(error),
          });
        }
      },
    });
  }

  /**
   * The most bytes a data batch sent to `topic` may hold: KAFKA_MAX_BATCH_BYTES, lowered to fit the
   * topic's own `max.message.bytes` (asked of the broker, then trusted for a minute). A topic made
   * by hand with the broker's 1 MiB default so gets batches split to fit instead of refused.
   * When the broker will not say (no DescribeConfigs permission), the broker's 1 MiB default is
   * assumed: a smaller batch costs throughput, a refused one fails its run.
   */
  batchBytesLimit(topic: string): Promise<number> {
    const cached = this.topicLimits.get(topic);
    if (cached !== undefined && Date.now() - cached.at < topicLimitTtlMs) return cached.bytes;
    const bytes = this.topicMaxMessageBytes(topic).then(
      (limit) => batchBytesWithin(this.settings.maxBatchBytes, limit ?? brokerDefaultMessageBytes),
      (error: unknown) => {
        const assumed = batchBytesWithin(this.settings.maxBatchBytes, brokerDefaultMessageBytes);
        this.logger.warn("could not read the topic's message limit; assuming the broker default", {
          topic,
          maxBatchBytes: assumed,
          error: describeError(error),
        });
        return assumed;
      },
    );
    this.topicLimits.set(topic, { bytes, at: Date.now() });
    return bytes;
  }

  /** Forgets what batchBytesLimit knows of `topic` (the broker refused a batch as too large). */
  forgetBatchBytesLimit(topic: string): void {
    this.topicLimits.delete(topic);
  }

  private async topicMaxMessageBytes(topic: string): Promise<number | undefined> {
    return this.withAdmin(async (admin) => {
      const described = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['max.message.bytes'] }],
      });
      const value = described.resources[0]?.configEntries.find(
        (entry) => entry.configName === 'max.message.bytes',
      )?.configValue;
      const bytes = value === undefined ? Number.NaN : Number(value);
      return Number.isSafeInteger(bytes) && bytes > 0 ? bytes : undefined;
    });
  }

  async withAdmin<Result>(work: (admin: Admin) => Promise<Result>): Promise<Result> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      return await work(admin);
    } finally {
      await admin.disconnect();
    }
  }

  /** Members and lag of consumer groups on the topics each reads, as the broker knows them (one admin connection). */
  async consumerGroupStatus(
    groups: ReadonlyArray<{ readonly groupId: string; readonly topics: readonly string[] }>,
  ): Promise<ConsumerGroupStatus[]> {
    return this.withAdmin(async (admin) => {
      const described = await admin.describeGroups(groups.map((group) => group.groupId));
      const ends = new Map<string, Awaited<ReturnType<Admin['fetchTopicOffsets']>>>();
      const statuses: ConsumerGroupStatus[] = [];
      for (const group of described.groups) {
        const topics: Array<{ topic: string; lag: number }> = [];
        // The topics the group reads, named: the broker's own list would leave out a topic the
        // group has not committed on yet, however large its backlog.
        const topicsRead = groups.find((candidate) => candidate.groupId === group.groupId)?.topics ?? [];
        for (const committed of await admin.fetchOffsets({
          groupId: group.groupId,
          topics: [...topicsRead],
        })) {
          let partitions = ends.get(committed.topic);
          if (partitions === undefined) {
            partitions = await admin.fetchTopicOffsets(committed.topic);
            ends.set(committed.topic, partitions);
          }
          // Every partition of the topic counts: one the group has never committed on (its batches
          // all went elsewhere so far) is absent from the broker's answer, yet still read from the start.
          let lag = 0;
          for (const end of partitions) {
            const offset = committed.partitions.find((candidate) => candidate.partition === end.partition);
            lag += partitionLag(offset?.offset ?? '-1', end.low, end.high);
          }
          topics.push({ topic: committed.topic, lag });
        }
        statuses.push({ groupId: group.groupId, state: group.state, members: group.members.length, topics });
      }
      return statuses;
    });
  }

  /** Creates missing topics; existing ones are left as they are. */
  async ensureTopics(topics: readonly TopicSpecification[]): Promise<void> {
    await this.withAdmin(async (admin) => {
      const existing = new Set(await admin.listTopics());
      const missing = topics.filter((topic) => !existing.has(topic.topic));
      if (missing.length === 0) return;
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((topic) => ({
          topic: topic.topic,
          numPartitions: topic.partitions,
          replicationFactor: -1,
          ...(topic.configEntries === undefined || topic.configEntries.length === 0
            ? {}
            : { configEntries: topic.configEntries.map((entry) => ({ ...entry })) }),
        })),
      });
      this.logger.info('created topics', { topics: missing.map((topic) => topic.topic) });
    });
  }

  async onModuleDestroy(): Promise<void> {
    for (const consumer of this.consumers) await consumer.disconnect().catch(() => undefined);
    const producer = await this.producerConnection?.catch(() => undefined);
    await producer?.disconnect().catch(() => undefined);
  }
}
