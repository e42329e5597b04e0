// Consumes raw batches, publishes transformed batches (same key and identity headers), dead
// letters and a batch_transformed event. Stateless: any number of transformers share the work.
// A batch the job's entity cannot map (BATCH_INVALID: a rule naming an unknown column, a bug in
// an entity class) is failed with the reason and dead-lettered whole, so the run ends failed
// instead of waiting for a batch that will never come.
import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import {
  batchEventCodec,
  batchEventId,
  BatchEventMessage,
  BatchContainerPart,
  BatchIdentity,
  continueTrace,
  encodeDeadLetter,
  decodeBatchContainer,
  parseBatchHeaders,
  QuperSyncError,
  readBatchContainerSchema,
  splitBatchContainer,
  toBatchHeaders,
  TopicNames,
  traceFields,
  traceparentHeader,
} from '@qupersync/contracts';
import { KafkaGateway } from '@qupersync/kafka';
import type { KafkaRecord, KafkaRecordContext } from '@qupersync/kafka';
import { JsonLogger, PipelineMetrics, SpanExporter } from '@qupersync/observability';
import { BatchTransformer, encodeDeadLetterRow, TransformOutcome } from './batch-transformer.service';

@Controller()
export class ExtractedBatchConsumer {
  private readonly logger = new JsonLogger(ExtractedBatchConsumer.name);

  constructor(
    private readonly transformer: BatchTransformer,
    private readonly kafka: KafkaGateway,
    private readonly metrics: PipelineMetrics,
    private readonly spans: SpanExporter,
  ) {}

  @EventPattern(TopicNames.batchExtracted)
  async onExtractedBatch(@Payload() record: KafkaRecord, @Ctx() _context: KafkaRecordContext): Promise<void> {
    const started = process.hrtime.bigint();
    const startMs = Date.now();
    const identity = parseBatchHeaders(record.headers);
    if (typeof identity === 'string')
      throw new QuperSyncError('MESSAGE_INVALID', 'permanent', `batch headers: ${identity}`);
    const schema = readBatchContainerSchema(record.value);
    const source = { topic: record.topic, partition: record.partition, offset: record.offset };
    let outcome: TransformOutcome;
    try {
      // An entity that changes nothing forwards the bytes: decoding and re-encoding them would
      // cost the most CPU of the whole pipeline and produce the same batch.
      outcome =
        this.transformer.passesThrough(identity, schema) && record.value !== null
          ? { container: record.value, validRows: identity.rowCount, invalid: [], failed: null }
          : await this.transformer.transform(identity, schema, decodeBatchContainer(record.value).rows);
    } catch (error) {
      if (error instanceof QuperSyncError && error.code === 'BATCH_INVALID') {
        await this.failBatch(record, identity, error);
        return;
      }
      throw error;
    }
    // A rule can make the batch larger than the extractor sent it: cut it into parts that fit the
    // broker (each its own message, loaded and accounted apart). One row alone too large fails
    // the batch, and so the run, naming its key.
    let parts: BatchContainerPart[] = [];
    if (outcome.container !== null) {
      const maxBytes = await this.kafka.batchBytesLimit(TopicNames.batchTransformed);
      try {
        parts = splitBatchContainer(outcome.container, outcome.validRows, maxBytes);
      } catch (error) {
        if (error instanceof QuperSyncError && error.code === 'ROW_TOO_LARGE') {
          await this.failBatch(record, identity, error);
          return;
        }
        throw error;
      }
    }
    if (outcome.invalid.length > 0) {
      await this.kafka.send(
        TopicNames.deadLetter,
        outcome.invalid.map((invalid) => ({
          key: identity.job,
          value: encodeDeadLetterRow(identity, schema, invalid, source),
        })),
      );
      this.metrics.deadLetters.inc({ stage: 'transformer', code: 'ROW_INVALID' }, outcome.invalid.length);
    }
    const event: BatchEventMessage = {
      eventId: batchEventId(identity, outcome.failed === null ? 'batch_transformed' : 'batch_failed'),
      runId: identity.runId,
      job: identity.job,
      kind: outcome.failed === null ? 'batch_transformed' : 'batch_failed',
      sequence: identity.sequence,
      rowCount: outcome.validRows,
      rowsWritten: 0,
      rowsDeadLettered: outcome.invalid.length,
      cursorFrom: identity.cursorFrom,
      cursorTo: identity.cursorTo,
      extractionId: identity.extractionId,
      totalBatches: null,
      errorCode: outcome.failed === null ? null : 'ROW_INVALID',
      error: outcome.failed,
      parts: parts.length > 1 ? parts.length : null,
      ...source,
      service: 'transformer',
      occurredAtMs: Date.now(),
    };
    // The event goes first. Batch events are keyed by run, so the loader's batch_loaded for this
    // batch (produced only after it has read the batch sent below) lands behind it in the same
    // partition: the coordinator always knows a batch's invalid rows before it can see the batch
    // loaded, and so never ends a run whose row accounting is still incomplete.
    await this.kafka.send(TopicNames.batchEvent, [
      { key: identity.runId, value: batchEventCodec.encode(event) },
    ]);
    // The batch's trace goes on with a span of this service (a new trace if the extractor sent none).
    const trace = continueTrace(record.headers[traceparentHeader]);
    // One send per part: a send's messages for one partition go as one record batch, which the
    // broker's size limit covers whole.
    try {
      for (const [index, part] of parts.entries()) {
        await this.kafka.send(TopicNames.batchTransformed, [
          {
            key: record.key,
            value: part.container,
            headers: {
              ...toBatchHeaders({
                ...identity,
                rowCount: part.rowCount,
                part: parts.length > 1 ? index : null,
                parts: parts.length > 1 ? parts.length : null,
              }),
              [traceparentHeader]: trace.traceparent,
            },
          },
        ]);
      }
    } catch (error) {
      // A refusal no retry can fix (the topic's limit was lowered since it was read, no write
      // permission) fails the batch, and so the run, now: dead-lettering the record alone would
      // leave the run waiting for a batch that never comes until it is failed as stalled.
      if (error instanceof QuperSyncError && error.code === 'BROKER_REJECTED') {
        this.kafka.forgetBatchBytesLimit(TopicNames.batchTransformed);
        // batch_transformed already counted the invalid rows dead-lettered above: keep that count.
        await this.failBatch(record, identity, error, outcome.invalid.length);
        return;
      }
      throw error;
    }
    if (parts.length > 1)
      this.logger.info('batch sent in parts to fit the broker', {
        job: identity.job,
        runId: identity.runId,
        sequence: identity.sequence,
        parts: parts.length,
        bytes: outcome.container?.length,
      });
    this.logger.info('batch transformed', {
      job: identity.job,
      runId: identity.runId,
      sequence: identity.sequence,
      rows: outcome.validRows,
      invalidRows: outcome.invalid.length,
      passedThrough: outcome.container === record.value,
      offset: record.offset,
      ...traceFields(trace),
    });
    this.spans.recordEnded('transform batch', trace, startMs, {
      'qupersync.job': identity.job,
      'qupersync.run_id': identity.runId,
      'qupersync.sequence': identity.sequence,
      'qupersync.rows': outcome.validRows,
      'qupersync.invalid_rows': outcome.invalid.length,
    });
    this.metrics.rows.inc({ phase: 'transform', job: identity.job }, outcome.validRows);
    this.metrics.batches.inc({
      phase: 'transform',
      job: identity.job,
      outcome: outcome.failed === null ? 'transformed' : 'failed',
    });
    this.metrics.batchSeconds.observe(
      { phase: 'transform' },
      Number(process.hrtime.bigint() - started) / 1e9,
    );
    if (outcome.invalid.length > 0) {
      this.logger.warn('invalid rows dead-lettered', {
        job: identity.job,
        runId: identity.runId,
        sequence: identity.sequence,
        rows: outcome.invalid.length,
        offset: record.offset,
      });
    }
  }

  /** `rowsDeadLettered`: invalid rows of the batch already dead-lettered one by one (0 before any). */
  private async failBatch(
    record: KafkaRecord,
    identity: BatchIdentity,
    error: QuperSyncError,
    rowsDeadLettered = 0,
  ): Promise<void> {
    const source = { topic: record.topic, partition: record.partition, offset: record.offset };
    await this.kafka.send(TopicNames.deadLetter, [
      {
        key: identity.job,
        value: encodeDeadLetter({
          job: identity.job,
          runId: identity.runId,
          sequence: identity.sequence,
          stage: 'transformer',
          errorCode: error.code,
          reason: error.message,
          rowKey: null,
          row: null,
          sourceTopic: source.topic,
          sourcePartition: source.partition,
          sourceOffset: source.offset,
          payload: record.value,
          occurredAtMs: Date.now(),
        }),
      },
    ]);
    const event: BatchEventMessage = {
      eventId: batchEventId(identity, 'batch_failed'),
      runId: identity.runId,
      job: identity.job,
      kind: 'batch_failed',
      sequence: identity.sequence,
      rowCount: 0,
      rowsWritten: 0,
      rowsDeadLettered,
      cursorFrom: identity.cursorFrom,
      cursorTo: identity.cursorTo,
      extractionId: identity.extractionId,
      totalBatches: null,
      errorCode: error.code,
      error: error.message,
      ...source,
      service: 'transformer',
      occurredAtMs: Date.now(),
    };
    await this.kafka.send(TopicNames.batchEvent, [
      { key: identity.runId, value: batchEventCodec.encode(event) },
    ]);
    this.metrics.deadLetters.inc({ stage: 'transformer', code: error.code });
    this.metrics.batches.inc({ phase: 'transform', job: identity.job, outcome: 'failed' });
    this.logger.error('batch failed and dead-lettered', {
      job: identity.job,
      runId: identity.runId,
      sequence: identity.sequence,
      offset: record.offset,
      code: error.code,
      error: error.message,
    });
  }
}
