// Publishes one extracted batch: the Avro container to qupersync.batch.extracted.v1 and then
// a batch_extracted event to the coordinator. A container over the broker's message limit is
// split in halves (each its own sequence), so wide rows never produce an unsendable message.
import { Injectable } from '@nestjs/common';
import {
  BatchIdentity,
  BatchRow,
  batchEventCodec,
  QuperSyncError,
  continueTrace,
  traceFields,
  traceparentHeader,
  batchEventId,
  BatchEventMessage,
  toBatchHeaders,
  TopicNames,
} from '@qupersync/contracts';
import { KafkaGateway } from '@qupersync/kafka';
import { JsonLogger, PipelineMetrics, SpanExporter } from '@qupersync/observability';

export interface PreparedBatch {
  readonly identity: BatchIdentity;
  readonly encoded: Buffer;
}

export interface ExtractedBatch<Row = BatchRow> {
  readonly job: string;
  readonly runId: string;
  /** This extraction attempt of the run (a redelivered extract request is a new attempt). */
  readonly extractionId: string;
  /** The job definition's version the run was started under (JobCatalog). */
  readonly jobVersion: string | null;
  /** Rows, or source records that `encode` turns into Avro rows (prepare). */
  readonly rows: readonly Row[];
  readonly cursorFrom: string | null;
  readonly cursorTo: string | null;
}

@Injectable()
export class BatchPublisher {
  private readonly logger = new JsonLogger(BatchPublisher.name);

  constructor(
    private readonly kafka: KafkaGateway,
    private readonly metrics: PipelineMetrics,
    private readonly spans: SpanExporter,
  ) {}

  /** The most bytes one batch message may hold (batchBytesLimit of the raw-batch topic). */
  maxBatchBytes(): Promise<number> {
    return this.kafka.batchBytesLimit(TopicNames.batchExtracted);
  }

  /**
   * Encodes the batch, splitting it in halves while a message would exceed `maxBytes` (see
   * maxBatchBytes). Synchronous, so sequence numbers are fixed before anything is sent.
   */
  prepare<Row>(
    encode: (rows: readonly Row[]) => Buffer,
    batch: ExtractedBatch<Row>,
    firstSequence: number,
    maxBytes: number,
  ): PreparedBatch[] {
    const encoded = encode(batch.rows);
    if (encoded.length > maxBytes && batch.rows.length > 1) {
      const middle = Math.ceil(batch.rows.length / 2);
      const first = this.prepare(
        encode,
        { ...batch, rows: batch.rows.slice(0, middle), cursorTo: null },
        firstSequence,
        maxBytes,
      );
      return [
        ...first,
        ...this.prepare(
          encode,
          { ...batch, rows: batch.rows.slice(middle), cursorFrom: null },
          firstSequence + first.length,
          maxBytes,
        ),
      ];
    }
    const identity: BatchIdentity = {
      job: batch.job,
      runId: batch.runId,
      sequence: firstSequence,
      rowCount: batch.rows.length,
      cursorFrom: batch.cursorFrom,
      cursorTo: batch.cursorTo,
      extractionId: batch.extractionId,
      part: null,
      parts: null,
      jobVersion: batch.jobVersion,
    };
    return [{ identity, encoded }];
  }

  /** Sends prepared batches, each followed by its batch_extracted event. */
  async send(prepared: readonly PreparedBatch[]): Promise<void> {
    for (const { identity, encoded } of prepared) {
      // Each batch starts a trace; the transformer and the loader continue it (traceparent header).
      const trace = continueTrace();
      const startMs = Date.now();
      await this.kafka
        .send(TopicNames.batchExtracted, [
          {
            key: `${identity.runId}:${identity.sequence}`,
            value: encoded,
            headers: { ...toBatchHeaders(identity), [traceparentHeader]: trace.traceparent },
          },
        ])
        .catch((error: unknown) => {
          // Refused (e.g. the topic's limit was lowered): the next attempt reads the limit afresh.
          if (error instanceof QuperSyncError && error.code === 'BROKER_REJECTED')
            this.kafka.forgetBatchBytesLimit(TopicNames.batchExtracted);
          throw error;
        });
      this.logger.info('batch published', {
        job: identity.job,
        runId: identity.runId,
        sequence: identity.sequence,
        rows: identity.rowCount,
        bytes: encoded.length,
        ...traceFields(trace),
      });
      this.spans.recordEnded('publish batch', trace, startMs, {
        'qupersync.job': identity.job,
        'qupersync.run_id': identity.runId,
        'qupersync.sequence': identity.sequence,
        'qupersync.rows': identity.rowCount,
      });
      await this.sendEvent({
        eventId: batchEventId(identity, 'batch_extracted'),
        extractionId: identity.extractionId,
        runId: identity.runId,
        job: identity.job,
        kind: 'batch_extracted',
        sequence: identity.sequence,
        rowCount: identity.rowCount,
        cursorFrom: identity.cursorFrom,
        cursorTo: identity.cursorTo,
      });
      this.metrics.rows.inc({ phase: 'extract', job: identity.job }, identity.rowCount);
      this.metrics.batches.inc({ phase: 'extract', job: identity.job, outcome: 'published' });
    }
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
      extractionId: null,
      ...event,
    };
    await this.kafka.send(TopicNames.batchEvent, [
      { key: message.runId, value: batchEventCodec.encode(message) },
    ]);
  }
}
