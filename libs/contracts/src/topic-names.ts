// Versioned topic names and the partition counts the project creates them with. A breaking
// change to a topic's schema gets a new name (".v2"), never an edit of the old contract.
export const TopicNames = {
  trigger: 'qupersync.trigger.v1',
  extractRequest: 'qupersync.extract-request.v1',
  batchExtracted: 'qupersync.batch.extracted.v1',
  batchTransformed: 'qupersync.batch.transformed.v1',
  batchEvent: 'qupersync.batch.event.v1',
  deadLetter: 'qupersync.dead-letter.v1',
  runControl: 'qupersync.run.control.v1',
  extractPart: 'qupersync.extract-part.v1',
  extractPartDone: 'qupersync.extract-part.done.v1',
} as const;

export type TopicName = (typeof TopicNames)[keyof typeof TopicNames];

/** Data topics get 12 partitions so up to 12 loaders (and transformers) share the work. */
export const topicPartitions: Readonly<Record<TopicName, number>> = {
  [TopicNames.trigger]: 1,
  [TopicNames.extractRequest]: 3,
  [TopicNames.batchExtracted]: 12,
  [TopicNames.batchTransformed]: 12,
  [TopicNames.batchEvent]: 3,
  [TopicNames.deadLetter]: 3,
  // Read whole by every extractor (a group each), so one partition keeps it in order.
  [TopicNames.runControl]: 1,
  // UNLOAD files as units of work: extractors in one group read a run's parts concurrently.
  [TopicNames.extractPart]: 12,
  // Read whole by every extractor (a group each): the attempt's own extractor waits for its parts.
  [TopicNames.extractPartDone]: 1,
};

export const allTopics: readonly TopicName[] = Object.values(TopicNames);

/**
 * The topics that carry whole data batches (a dead letter can carry a failed batch whole). The
 * project creates them allowing messages this large (`max.message.bytes`), so a batch is sized
 * by KAFKA_MAX_BATCH_BYTES rather than by a broker's 1 MiB default: every batch costs the broker,
 * the coordinator and each service a fixed amount of work, and larger batches pay it less often.
 */
export const largeMessageTopics: readonly TopicName[] = [
  TopicNames.batchExtracted,
  TopicNames.batchTransformed,
  TopicNames.deadLetter,
];

/** 8 MiB: what managed services allow at most (MSK Serverless, Confluent Cloud's smaller tiers). */
export const largeMessageTopicBytes = 8 * 1024 * 1024;

/** The topic-level configuration the project creates `topic` with (none for most topics). */
export function topicConfigEntries(topic: TopicName): Array<{ name: string; value: string }> {
  return largeMessageTopics.includes(topic)
    ? [{ name: 'max.message.bytes', value: String(largeMessageTopicBytes) }]
    : [];
}
