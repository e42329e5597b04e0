// The consumer group of each pipeline service, in one place: the service joins it, and the
// coordinator's status report reads it (members present = the service is up, committed offsets
// against the partitions' ends = its lag).
import { TopicNames } from '@qupersync/contracts';

export const consumerGroups = {
  coordinator: 'qupersync-coordinator',
  extractor: 'qupersync-extractor',
  transformer: 'qupersync-transformer',
  loader: 'qupersync-loader',
} as const;

export type PipelineService = keyof typeof consumerGroups;

/** The topics each service's group reads (its @EventPattern handlers): lag is counted on these. */
export const consumedTopics: Readonly<Record<PipelineService, readonly string[]>> = {
  coordinator: [TopicNames.trigger, TopicNames.batchEvent, TopicNames.deadLetter],
  extractor: [TopicNames.extractRequest, TopicNames.extractPart],
  transformer: [TopicNames.batchExtracted],
  loader: [TopicNames.batchTransformed],
};

/** The services in pipeline order. */
export const pipelineServices: readonly PipelineService[] = [
  'coordinator',
  'extractor',
  'transformer',
  'loader',
];

export interface ConsumerGroupStatus {
  readonly groupId: string;
  /** The broker's view: Stable, PreparingRebalance, CompletingRebalance, Empty, Dead. */
  readonly state: string;
  readonly members: number;
  /** Records not yet committed by the group, per topic it has committed on. */
  readonly topics: ReadonlyArray<{ readonly topic: string; readonly lag: number }>;
}

/**
 * Lag of one partition: records after the committed offset, or every retained record when the
 * group has committed nothing there yet (offset -1: it starts from the beginning).
 */
export function partitionLag(committed: string, low: string, high: string): number {
  const end = BigInt(high);
  const start = BigInt(committed) < 0n ? BigInt(low) : BigInt(committed);
  return end > start ? Number(end - start) : 0;
}
