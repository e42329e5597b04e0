// Loads transformed batches. Offsets are committed (by the transport) only after the batches'
// transaction committed and their results were reported. The transport hands over up to 16
// consecutive batches of a partition: consecutive batches of a job with commit_per_batch: false
// share one transaction; everything else is one transaction per batch.
// While PostgreSQL is unreachable the handler throws a transient error: the transport pauses the
// partition and retries, using up no retries and failing nothing. Other errors are retried up to
// the job's max_retries with backoff; then the batch is reported failed (the coordinator records
// it in qupersync_state) and loading goes on.
import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { JobCatalog, JobDefinition } from '@qupersync/config';
import {
  BatchEventMessage,
  batchEventCodec,
  batchEventId,
  BatchIdentity,
  EncodedBatch,
  encodeDeadLetter,
  describeError,
  parseBatchHeaders,
  continueTrace,
  traceFields,
  traceparentHeader,
  QuperSyncError,
  staleBatchCode,
  TopicNames,
  unknownJobVersion,
} from '@qupersync/contracts';
import { KafkaGateway } from '@qupersync/kafka';
import type { KafkaRecord, KafkaRecordContext, OutgoingMessage } from '@qupersync/kafka';
import {
  backoffDelayMs,
  JsonLogger,
  PipelineMetrics,
  SpanExporter,
  SystemClock,
} from '@qupersync/observability';
import { isDatabaseUnavailable } from '@qupersync/postgres';
import {
  BatchFence,
  BatchUpserter,
  describeKey,
  RejectedRow,
  TargetTablePolicy,
} from './batch-upserter.service';

interface IdentifiedRecord {
  readonly record: KafkaRecord;
  readonly identity: BatchIdentity;
  readonly job: JobDefinition;
}

interface LoadItem extends IdentifiedRecord {
  readonly batch: EncodedBatch;
}

type LoadResult = Pick<
  BatchEventMessage,
  'kind' | 'rowCount' | 'rowsWritten' | 'rowsDeadLettered' | 'errorCode' | 'error'
>;

export const batchesPerPoll = 16;

function fenceOf(identity: BatchIdentity): BatchFence {
  return { runId: identity.runId, extractionId: identity.extractionId ?? '-' };
}

function policyOf(job: JobDefinition): TargetTablePolicy {
  return {
    createTarget: job.createTarget,
    schemaEvolution: job.schemaEvolution,
    softDeletes: job.deletes === 'soft',
    deletedFlag:
      job.source.deletedFlag === undefined
        ? undefined
        : (job.entity.rename[job.source.deletedFlag] ?? job.source.deletedFlag),
  };
}

@Controller()
export class TransformedBatchConsumer {
  private readonly logger = new JsonLogger(TransformedBatchConsumer.name);

  constructor(
    private readonly jobs: JobCatalog,
    private readonly upserter: BatchUpserter,
    private readonly kafka: KafkaGateway,
    private readonly metrics: PipelineMetrics,
    private readonly clock: SystemClock,
    private readonly spans: SpanExporter,
  ) {}

  @EventPattern(TopicNames.batchTransformed, { groupedRecords: batchesPerPoll })
  async onTransformedBatches(
    @Payload() records: KafkaRecord[],
    @Ctx() context: KafkaRecordContext,
  ): Promise<void> {
    // A record that cannot be decoded throws a permanent error: the transport then retries the
    // records one by one (the loaded ones are idempotent) and dead-letters only that one.
    // Rows are decoded only when their transaction comes: a group of 16 batches decoded at once
    // made the loader's memory grow with the backlog (the bench: +23% from 1M to 10M rows).
    const items = records.map((record) => this.identify(record));
    for (const group of consecutiveSharedTransactions(items)) {
      if (group.length > 1 && (await this.loadTogether(group.map((item) => this.decode(item))))) continue;
      for (const item of group) await this.loadOne(this.decode(item), context);
    }
  }

  private identify(record: KafkaRecord): IdentifiedRecord {
    const identity = parseBatchHeaders(record.headers);
    if (typeof identity === 'string')
      throw new QuperSyncError('MESSAGE_INVALID', 'permanent', `batch headers: ${identity}`);
    // The definition the run was started under, even if this process reloaded since.
    const job = this.jobs.resolve(identity.job, identity.jobVersion);
    if (job === undefined)
      throw unknownJobVersion(
        identity.job,
        identity.jobVersion,
        this.jobs.missingForMs(identity.job, identity.jobVersion),
      );
    return { record, identity, job };
  }

  private decode(item: IdentifiedRecord): LoadItem {
    const batch = EncodedBatch.from(item.record.value);
    // Every value is read here, before the transaction (bad bytes throw MESSAGE_UNDECODABLE and the
    // record is dead-lettered): as COPY text when the batch has QuperSync's layout, else as rows.
    if (batch.copyText() === undefined) batch.rows();
    return { ...item, batch };
  }

  /** One transaction for the group; false (nothing written) when it fails and batches must go one by one. */
  private async loadTogether(group: readonly LoadItem[]): Promise<boolean> {
    const started = process.hrtime.bigint();
    let written: number[];
    let warnings: Array<string | null>;
    try {
      warnings = [];
      for (const item of group) warnings.push(await this.warningOf(item));
      written = await this.upserter.upsertTogether(
        group.map((item) => ({
          target: item.job.targetTable,
          schema: item.batch.schema,
          rows: item.batch,
          policy: policyOf(item.job),
          fence: fenceOf(item.identity),
        })),
      );
    } catch (error) {
      if (isDatabaseUnavailable(error))
        throw new QuperSyncError(
          'TARGET_UNAVAILABLE',
          'transient',
          `database unavailable: ${describeError(error)}`,
        );
      this.logger.warn('shared transaction failed; loading its batches one by one', {
        batches: group.length,
        error: describeError(error),
      });
      return false;
    }
    await this.report(
      group.map((item, index) =>
        this.event(item, {
          kind: 'batch_loaded',
          rowCount: item.batch.rowCount,
          rowsWritten: written[index] ?? 0,
          rowsDeadLettered: 0,
          errorCode: null,
          error: warnings[index] ?? null,
        }),
      ),
    );
    for (const item of group) this.countLoaded(item, item.batch.rowCount, started);
    return true;
  }

  private async loadOne(item: LoadItem, context: KafkaRecordContext): Promise<void> {
    const started = process.hrtime.bigint();
    const { job, batch, identity, record } = item;
    const log = this.logger.with({
      job: job.name,
      runId: identity.runId,
      sequence: identity.sequence,
      partition: record.partition,
      offset: record.offset,
    });
    for (let attempt = 1; ; attempt++) {
      try {
        const warning = await this.warningOf(item);
        const outcome = await this.upserter.upsert(job.targetTable, batch.schema, batch, {
          policy: policyOf(job),
          maxRejectedRows: job.maxRejectedRows,
          fence: fenceOf(identity),
        });
        if (outcome.rejected.length > 0) await this.deadLetter(item, outcome.rejected);
        const loaded = batch.rowCount - outcome.rejected.length;
        await this.report([
          this.event(item, {
            kind: 'batch_loaded',
            rowCount: loaded,
            rowsWritten: outcome.rowsWritten,
            rowsDeadLettered: outcome.rejected.length,
            errorCode: null,
            error: warning,
          }),
        ]);
        this.countLoaded(item, loaded, started);
        log.debug('batch loaded', { rows: batch.rowCount, rowsWritten: outcome.rowsWritten });
        return;
      } catch (error) {
        if (isDatabaseUnavailable(error)) {
          throw new QuperSyncError(
            'TARGET_UNAVAILABLE',
            'transient',
            `database unavailable: ${describeError(error)}`,
          );
        }
        if (error instanceof QuperSyncError && error.code === staleBatchCode) {
          await this.reportStale(item, error);
          return;
        }
        const permanent = error instanceof QuperSyncError && error.errorClass === 'permanent';
        if (permanent || attempt > job.maxRetries) {
          log.error('batch failed', { attempts: attempt, error: describeError(error) });
          this.metrics.batches.inc({ phase: 'load', job: job.name, outcome: 'failed' });
          await this.report([
            this.event(item, {
              kind: 'batch_failed',
              rowCount: 0,
              rowsWritten: 0,
              rowsDeadLettered: 0,
              errorCode: error instanceof QuperSyncError ? error.code : 'TARGET_WRITE_FAILED',
              error: describeError(error),
            }),
          ]);
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

  /** The target's warnings for the batch's schema (checked once per table and schema), as one line. */
  private async warningOf(item: LoadItem): Promise<string | null> {
    const warnings = await this.upserter.prepareTarget(
      item.job.targetTable,
      item.batch.schema,
      policyOf(item.job),
    );
    return warnings.length === 0 ? null : warnings.join('; ');
  }

  /** A fenced batch: nothing was written; the coordinator counts its rows as stale. */
  private async reportStale(item: LoadItem, error: QuperSyncError): Promise<void> {
    const { identity, record, job } = item;
    this.metrics.staleRows.inc({ job: job.name }, item.batch.rowCount);
    this.metrics.batches.inc({ phase: 'load', job: job.name, outcome: 'stale' });
    this.logger.info('stale batch dropped', {
      job: job.name,
      runId: identity.runId,
      extractionId: identity.extractionId,
      sequence: identity.sequence,
      partition: record.partition,
      offset: record.offset,
      rows: item.batch.rowCount,
      reason: error.message,
    });
    // Its own event id: a batch that failed for real and is later fenced are two facts.
    await this.report([
      this.event(
        item,
        {
          kind: 'batch_failed',
          rowCount: item.batch.rowCount,
          rowsWritten: 0,
          rowsDeadLettered: 0,
          errorCode: staleBatchCode,
          error: error.message,
        },
        `${batchEventId(identity, 'batch_failed')}:stale`,
      ),
    ]);
  }

  private countLoaded(item: LoadItem, rows: number, started: bigint): void {
    const trace = continueTrace(item.record.headers[traceparentHeader]);
    this.logger.info('batch loaded', {
      job: item.identity.job,
      runId: item.identity.runId,
      sequence: item.identity.sequence,
      rows,
      offset: item.record.offset,
      ...traceFields(trace),
    });
    this.spans.recordEnded(
      'load batch',
      trace,
      Date.now() - Number(process.hrtime.bigint() - started) / 1e6,
      {
        'qupersync.job': item.identity.job,
        'qupersync.run_id': item.identity.runId,
        'qupersync.sequence': item.identity.sequence,
        'qupersync.rows': rows,
      },
    );
    this.metrics.rows.inc({ phase: 'load', job: item.job.name }, rows);
    this.metrics.batches.inc({ phase: 'load', job: item.job.name, outcome: 'loaded' });
    this.metrics.batchSeconds.observe({ phase: 'load' }, Number(process.hrtime.bigint() - started) / 1e9);
  }

  private event(
    item: LoadItem,
    result: LoadResult,
    eventId = batchEventId(item.identity, result.kind),
  ): OutgoingMessage {
    const { identity, record } = item;
    const event: BatchEventMessage = {
      eventId,
      extractionId: identity.extractionId,
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
      // A part of a batch the transformer split: the coordinator counts the batch loaded once
      // every part is (each part's event has its own id).
      part: identity.part,
      parts: identity.parts,
      ...result,
    };
    return { key: identity.runId, value: batchEventCodec.encode(event) };
  }

  private async report(events: readonly OutgoingMessage[]): Promise<void> {
    await this.kafka.send(TopicNames.batchEvent, events);
  }

  private async deadLetter(item: LoadItem, rejected: readonly RejectedRow[]): Promise<void> {
    const { identity, record, batch } = item;
    await this.kafka.send(
      TopicNames.deadLetter,
      rejected.map((rejection) => ({
        key: identity.job,
        value: encodeDeadLetter({
          job: identity.job,
          runId: identity.runId,
          sequence: identity.sequence,
          stage: 'loader',
          errorCode: 'TARGET_ROW_REJECTED',
          reason: rejection.reason,
          rowKey: describeKey(batch.schema, rejection.row),
          row: JSON.stringify(rejection.row, (_key, value: unknown) =>
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

/** Splits items into runs that may share a transaction: consecutive batches of one job with commit_per_batch: false. */
export function consecutiveSharedTransactions<
  Item extends { readonly job: Pick<JobDefinition, 'name' | 'commitPerBatch'> },
>(items: readonly Item[]): Item[][] {
  const groups: Item[][] = [];
  for (const item of items) {
    const current = groups[groups.length - 1];
    const previous = current?.[current.length - 1];
    if (
      current !== undefined &&
      previous !== undefined &&
      !item.job.commitPerBatch &&
      previous.job.name === item.job.name
    ) {
      current.push(item);
    } else {
      groups.push([item]);
    }
  }
  return groups;
}
