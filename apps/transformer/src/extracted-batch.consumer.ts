// Consumes raw batches, publishes transformed batches (same key and identity headers), dead
// letters and a batch_transformed event. Stateless: any number of transformers share the work.
import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import {
  batchEventCodec,
  BatchEventMessage,
  decodeBatchContainer,
  parseBatchHeaders,
  QuperSyncError,
  toBatchHeaders,
  TopicNames,
} from '@qupersync/contracts';
import { KafkaGateway } from '@qupersync/kafka';
import type { KafkaRecord, KafkaRecordContext } from '@qupersync/kafka';
import { JsonLogger, PipelineMetrics } from '@qupersync/observability';
import { BatchTransformer, encodeDeadLetterRow } from './batch-transformer.service';

@Controller()
export class ExtractedBatchConsumer {
  private readonly logger = new JsonLogger(ExtractedBatchConsumer.name);

  constructor(
    private readonly transformer: BatchTransformer,
    private readonly kafka: KafkaGateway,
    private readonly metrics: PipelineMetrics,
  ) {}

  @EventPattern(TopicNames.batchExtracted)
  async onExtractedBatch(@Payload() record: KafkaRecord, @Ctx() _context: KafkaRecordContext): Promise<void> {
    const started = process.hrtime.bigint();
    const identity = parseBatchHeaders(record.headers);
    if (typeof identity === 'string')
      throw new QuperSyncError('MESSAGE_INVALID', 'permanent', `batch headers: ${identity}`);
    const batch = decodeBatchContainer(record.value);
    const outcome = this.transformer.transform(identity, batch.schema, batch.rows);
    const source = { topic: record.topic, partition: record.partition, offset: record.offset };
    if (outcome.invalid.length > 0) {
      await this.kafka.send(
        TopicNames.deadLetter,
        outcome.invalid.map((invalid) => ({
          key: identity.job,
          value: encodeDeadLetterRow(identity, batch.schema, invalid, source),
        })),
      );
      this.metrics.deadLetters.inc({ stage: 'transformer', code: 'ROW_INVALID' }, outcome.invalid.length);
    }
    const event: BatchEventMessage = {
      eventId: `${identity.runId}:${outcome.failed === null ? 'batch_transformed' : 'batch_failed'}:${identity.sequence}`,
      runId: identity.runId,
      job: identity.job,
      kind: outcome.failed === null ? 'batch_transformed' : 'batch_failed',
      sequence: identity.sequence,
      rowCount: outcome.validRows,
      rowsWritten: 0,
      rowsDeadLettered: outcome.invalid.length,
      cursorFrom: identity.cursorFrom,
      cursorTo: identity.cursorTo,
      totalBatches: null,
      errorCode: outcome.failed === null ? null : 'ROW_INVALID',
      error: outcome.failed,
      ...source,
      service: 'transformer',
      occurredAtMs: Date.now(),
    };
    if (outcome.container !== null) {
      await this.kafka.send(TopicNames.batchTransformed, [
        {
          key: record.key,
          value: outcome.container,
          headers: toBatchHeaders({ ...identity, rowCount: outcome.validRows }),
        },
      ]);
    }
    await this.kafka.send(TopicNames.batchEvent, [
      { key: identity.runId, value: batchEventCodec.encode(event) },
    ]);
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
}
