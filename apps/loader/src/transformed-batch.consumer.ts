// Loads transformed batches. The offset is committed (by the transport) only after the batch's
// transaction committed and its result was reported. While PostgreSQL is unreachable the handler
// throws a transient error: the transport pauses the partition and retries, using up no retries
// and failing nothing. Other errors are retried up to the job's max_retries with backoff; then
// the batch is reported failed (the coordinator records it in qupersync_state) and loading goes on.
import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { JobCatalog } from '@qupersync/config';
import {
  BatchEventMessage,
  batchEventCodec,
  BatchIdentity,
  decodeBatchContainer,
  deadLetterCodec,
  describeError,
  parseBatchHeaders,
  QuperSyncError,
  TopicNames,
} from '@qupersync/contracts';
import { KafkaGateway } from '@qupersync/kafka';
import type { KafkaRecord, KafkaRecordContext } from '@qupersync/kafka';
import { backoffDelayMs, JsonLogger, PipelineMetrics, SystemClock } from '@qupersync/observability';
import { isDatabaseUnavailable } from '@qupersync/postgres';
import { BatchUpserter, RejectedRow } from './batch-upserter.service';

@Controller()
export class TransformedBatchConsumer {
  private readonly logger = new JsonLogger(TransformedBatchConsumer.name);

  constructor(
    private readonly jobs: JobCatalog,
    private readonly upserter: BatchUpserter,
    private readonly kafka: KafkaGateway,
    private readonly metrics: PipelineMetrics,
    private readonly clock: SystemClock,
  ) {}

  @EventPattern(TopicNames.batchTransformed)
  async onTransformedBatch(
    @Payload() record: KafkaRecord,
    @Ctx() context: KafkaRecordContext,
  ): Promise<void> {
    const started = process.hrtime.bigint();
    const identity = parseBatchHeaders(record.headers);
    if (typeof identity === 'string')
      throw new QuperSyncError('MESSAGE_INVALID', 'permanent', `batch headers: ${identity}`);
    const job = this.jobs.find(identity.job);
    if (job === undefined)
      throw new QuperSyncError('JOB_UNKNOWN', 'permanent', `unknown job "${identity.job}"`);
    const batch = decodeBatchContainer(record.value);
    const log = this.logger.with({
      job: job.name,
      runId: identity.runId,
      sequence: identity.sequence,
      partition: record.partition,
      offset: record.offset,
    });

    for (let attempt = 1; ; attempt++) {
      try {
        const outcome = await this.upserter.upsert(job.targetTable, batch.schema, batch.rows);
        if (outcome.rejected.length > 0) await this.deadLetter(identity, record, outcome.rejected);
        await this.report(identity, record, {
          kind: 'batch_loaded',
          rowCount: batch.rows.length - outcome.rejected.length,
          rowsWritten: outcome.rowsWritten,
          rowsDeadLettered: outcome.rejected.length,
          errorCode: null,
          error: null,
        });
        this.metrics.rows.inc({ phase: 'load', job: job.name }, batch.rows.length - outcome.rejected.length);
        this.metrics.batches.inc({ phase: 'load', job: job.name, outcome: 'loaded' });
        this.metrics.batchSeconds.observe({ phase: 'load' }, Number(process.hrtime.bigint() - started) / 1e9);
        log.debug('batch loaded', { rows: batch.rows.length, rowsWritten: outcome.rowsWritten });
        return;
      } catch (error) {
        if (isDatabaseUnavailable(error)) {
          throw new QuperSyncError(
            'TARGET_UNAVAILABLE',
            'transient',
            `database unavailable: ${describeError(error)}`,
          );
        }
        if (attempt > job.maxRetries) {
          log.error('batch failed after retries', { attempts: attempt, error: describeError(error) });
          this.metrics.batches.inc({ phase: 'load', job: job.name, outcome: 'failed' });
          await this.report(identity, record, {
            kind: 'batch_failed',
            rowCount: 0,
            rowsWritten: 0,
            rowsDeadLettered: 0,
            errorCode: 'TARGET_WRITE_FAILED',
            error: describeError(error),
          });
          return;
        }
        const delay = backoffDelayMs(attempt, 200, 10_000);
        log.warn('batch failed, rolled back; retrying', {
          attempt,
          delayMs: delay,
          error: describeError(error),
        });
        await this.clock.sleep(delay);
        await context.heartbeat();
      }
    }
  }

  private async report(
    identity: BatchIdentity,
    record: KafkaRecord,
    result: Pick<
      BatchEventMessage,
      'kind' | 'rowCount' | 'rowsWritten' | 'rowsDeadLettered' | 'errorCode' | 'error'
    >,
  ): Promise<void> {
    const event: BatchEventMessage = {
      eventId: `${identity.runId}:${result.kind}:${identity.sequence}`,
      runId: identity.runId,
      job: identity.job,
      sequence: identity.sequence,
      cursorFrom: identity.cursorFrom,
      cursorTo: identity.cursorTo,
      totalBatches: null,
      topic: record.topic,
      partition: record.partition,
      offset: record.offset,
      service: 'loader',
      occurredAtMs: this.clock.nowMs(),
      ...result,
    };
    await this.kafka.send(TopicNames.batchEvent, [
      { key: identity.runId, value: batchEventCodec.encode(event) },
    ]);
  }

  private async deadLetter(
    identity: BatchIdentity,
    record: KafkaRecord,
    rejected: readonly RejectedRow[],
  ): Promise<void> {
    await this.kafka.send(
      TopicNames.deadLetter,
      rejected.map((item) => ({
        key: identity.job,
        value: deadLetterCodec.encode({
          job: identity.job,
          runId: identity.runId,
          sequence: identity.sequence,
          stage: 'loader',
          errorCode: 'TARGET_ROW_REJECTED',
          reason: item.reason,
          rowKey: null,
          row: JSON.stringify(item.row, (_key, value: unknown) =>
            typeof value === 'bigint' ? value.toString() : value,
          ),
          sourceTopic: record.topic,
          sourcePartition: record.partition,
          sourceOffset: record.offset,
          payload: null,
          occurredAtMs: this.clock.nowMs(),
        }),
      })),
    );
    this.metrics.deadLetters.inc({ stage: 'loader', code: 'TARGET_ROW_REJECTED' }, rejected.length);
  }
}
