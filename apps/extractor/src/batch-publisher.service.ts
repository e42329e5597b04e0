// Publishes one extracted batch: the Avro container to qupersync.batch.extracted.v1 and then
// a batch_extracted event to the coordinator. A container over the broker's message limit is
// split in halves (each its own sequence), so wide rows never produce an unsendable message.
import { Injectable } from '@nestjs/common';
import {
  BatchContainerCodec,
  BatchRow,
  batchEventCodec,
  BatchEventMessage,
  toBatchHeaders,
  TopicNames,
} from '@qupersync/contracts';
import { KafkaGateway } from '@qupersync/kafka';
import { PipelineMetrics } from '@qupersync/observability';

/** Stays under the broker's default message.max.bytes (1 MiB) with room for headers. */
export const maxBatchMessageBytes = 900 * 1024;

export interface ExtractedBatch {
  readonly job: string;
  readonly runId: string;
  readonly rows: readonly BatchRow[];
  readonly cursorFrom: string | null;
  readonly cursorTo: string | null;
}

@Injectable()
export class BatchPublisher {
  constructor(
    private readonly kafka: KafkaGateway,
    private readonly metrics: PipelineMetrics,
  ) {}

  /** Publishes the batch and returns how many sequences it used (more than one when split). */
  async publish(codec: BatchContainerCodec, batch: ExtractedBatch, firstSequence: number): Promise<number> {
    const encoded = codec.encode(batch.rows);
    if (encoded.length > maxBatchMessageBytes && batch.rows.length > 1) {
      const middle = Math.ceil(batch.rows.length / 2);
      const used = await this.publish(
        codec,
        { ...batch, rows: batch.rows.slice(0, middle), cursorTo: null },
        firstSequence,
      );
      return (
        used +
        (await this.publish(
          codec,
          { ...batch, rows: batch.rows.slice(middle), cursorFrom: null },
          firstSequence + used,
        ))
      );
    }
    const identity = {
      job: batch.job,
      runId: batch.runId,
      sequence: firstSequence,
      rowCount: batch.rows.length,
      cursorFrom: batch.cursorFrom,
      cursorTo: batch.cursorTo,
    };
    await this.kafka.send(TopicNames.batchExtracted, [
      { key: `${batch.runId}:${firstSequence}`, value: encoded, headers: toBatchHeaders(identity) },
    ]);
    await this.sendEvent({
      eventId: `${batch.runId}:batch_extracted:${firstSequence}`,
      runId: batch.runId,
      job: batch.job,
      kind: 'batch_extracted',
      sequence: firstSequence,
      rowCount: batch.rows.length,
      cursorFrom: batch.cursorFrom,
      cursorTo: batch.cursorTo,
    });
    this.metrics.rows.inc({ phase: 'extract', job: batch.job }, batch.rows.length);
    this.metrics.batches.inc({ phase: 'extract', job: batch.job, outcome: 'published' });
    return 1;
  }

  async sendEvent(
    event: Partial<BatchEventMessage> & Pick<BatchEventMessage, 'eventId' | 'runId' | 'job' | 'kind'>,
  ): Promise<void> {
    const message: BatchEventMessage = {
      sequence: null,
      rowCount: 0,
      rowsWritten: 0,
      rowsDeadLettered: 0,
      cursorFrom: null,
      cursorTo: null,
      totalBatches: null,
      errorCode: null,
      error: null,
      topic: null,
      partition: null,
      offset: null,
      service: 'extractor',
      occurredAtMs: Date.now(),
      ...event,
    };
    await this.kafka.send(TopicNames.batchEvent, [
      { key: message.runId, value: batchEventCodec.encode(message) },
    ]);
  }
}
