// A Nest microservice transport (CustomTransportStrategy) over kafkajs that keeps Avro bytes
// binary and gives Kafka Connect's sink contract: a record's offset is committed only after its
// @EventPattern handler has finished (its durable write is done).
//  - A handler that throws a *permanent* QuperSyncError gets its record dead-lettered with the
//    reason, then the offset moves on: a poison message never blocks its partition.
//  - Any other error (database down, broker hiccup) is retried with backoff, heartbeating, for
//    as long as it takes: an outage pauses the partition, it never skips or fails a record.
//  - A handler whose work outlives it (an extraction) hands that work to `context.detach()` and
//    returns, so the partition's next records are not held behind it; the offset is committed
//    once that work, and every earlier record's, has finished (PendingOffsets).
// Nest's built-in Kafka transport stringifies values and restarts the consumer on a throw,
// which is why this transport exists (see FIELD-NOTES).
import { randomUUID } from 'node:crypto';
import { CustomTransportStrategy, Server } from '@nestjs/microservices';
import {
  Consumer,
  EachBatchPayload,
  IHeaders,
  Kafka,
  KafkaJSError,
  KafkaMessage,
  logLevel,
  Producer,
} from 'kafkajs';
import { lastValueFrom } from 'rxjs';
import { encodeDeadLetter, describeError, QuperSyncError, TopicNames } from '@qupersync/contracts';
import { backoffDelayMs, JsonLogger } from '@qupersync/observability';
import { KafkaSettings, toKafkaConfig } from './kafka.settings';
import { installNativeRecordBatchChecksum } from './record-batch-checksum.fix';
import { installRequestQueueIdleFix } from './request-queue-idle.fix';

export interface KafkaRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  readonly value: Buffer | null;
  readonly headers: Readonly<Record<string, string>>;
  readonly timestamp: string;
}

export interface KafkaRecordContext {
  /** Keeps the consumer in its group during long work; call it between slow steps. */
  heartbeat(): Promise<void>;
  /** How many times this record has been attempted in this process (1 on first delivery). */
  readonly attempt: number;
  /**
   * The record's work goes on after the handler returns: the next records of the partition are
   * handled meanwhile, and this record's offset is committed only once `work` has settled (and
   * every earlier record's work). Not for grouped handlers. `work` must not reject: it reports
   * its own failures; a rejection is logged and the record counts as handled.
   */
  detach(work: Promise<void>): void;
  /** True once this record's partition was taken away (a rebalance) or the consumer is stopping. */
  isStale(): boolean;
}

/**
 * The offsets of one partition still being worked on, in one consumer generation. A record is
 * added when it is taken and completed when its work ends; the commit point is one past the
 * last record of the completed prefix, so no record is committed before an earlier one is done.
 */
export class PendingOffsets {
  private readonly done = new Map<bigint, boolean>();

  add(offset: bigint): void {
    if (!this.done.has(offset)) this.done.set(offset, false);
  }

  /** Marks the record done; returns the offset to commit, or undefined when an earlier one is open. */
  complete(offset: bigint): bigint | undefined {
    this.done.set(offset, true);
    let commit: bigint | undefined;
    for (const candidate of [...this.done.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
      if (this.done.get(candidate) !== true) break;
      this.done.delete(candidate);
      commit = candidate + 1n;
    }
    return commit;
  }

  get open(): number {
    return this.done.size;
  }
}

export interface KafkaRecordTransportOptions {
  readonly settings: KafkaSettings;
  readonly groupId: string;
  readonly stage: 'coordinator' | 'extractor' | 'transformer' | 'loader';
  /** Partitions processed at the same time by this process. */
  readonly partitionsConsumedConcurrently?: number;
  readonly sessionTimeoutMs?: number;
  readonly fromBeginning?: boolean;
  /** Told the consumer lag of a partition after each record (for the lag gauge). */
  readonly onLag?: (topic: string, partition: number, lag: number) => void;
}

export function decodeHeaders(headers: IHeaders | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) result[name] = Buffer.isBuffer(first) ? first.toString('utf8') : String(first);
  }
  return result;
}

/** Unexpected errors (bugs) get this many attempts before their record is dead-lettered. */
export const unexpectedErrorAttempts = 5;

/**
 * Returns the error to dead-letter the record with, or undefined to retry it. A permanent
 * QuperSyncError is dead-lettered at once; a transient one (an outage) is retried for as long as
 * it lasts; anything else is retried a few times, then dead-lettered so a bug cannot block a
 * partition for ever.
 */
export function classifyHandlerFailure(error: unknown, attempt: number): QuperSyncError | undefined {
  if (error instanceof QuperSyncError) return error.errorClass === 'permanent' ? error : undefined;
  // The broker being away (a restart, a leader election) is an outage, not a bad record.
  if (error instanceof KafkaJSError) return undefined;
  if (attempt < unexpectedErrorAttempts) return undefined;
  return new QuperSyncError(
    'INTERNAL',
    'permanent',
    `gave up after ${attempt} attempts: ${describeError(error)}`,
  );
}

/** How many records a handler takes at once: `@EventPattern(topic, { groupedRecords: N })`. */
export function groupedRecordLimit(extras: Record<string, unknown> | undefined): number {
  const limit = extras?.groupedRecords;
  return typeof limit === 'number' && Number.isInteger(limit) && limit > 1 ? limit : 1;
}

export class KafkaRecordTransport extends Server implements CustomTransportStrategy {
  private readonly kafka: Kafka;
  private consumer: Consumer | undefined;
  private producer: Producer | undefined;
  private stopping = false;
  private readonly log = new JsonLogger(KafkaRecordTransport.name);
  /** Per partition of the current generation; replaced on every rebalance. */
  private pending = new Map<string, PendingOffsets>();

  constructor(private readonly options: KafkaRecordTransportOptions) {
    super();
    installRequestQueueIdleFix();
    installNativeRecordBatchChecksum();
    this.kafka = new Kafka({ ...toKafkaConfig(options.settings), logLevel: logLevel.NOTHING });
  }

  async listen(callback: (error?: unknown) => void): Promise<void> {
    try {
      await this.start();
      callback();
    } catch (error) {
      callback(error);
    }
  }

  private async start(): Promise<void> {
    const topics = [...this.messageHandlers.keys()];
    this.producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await this.producer.connect();
    this.consumer = this.kafka.consumer({
      groupId: this.options.groupId,
      sessionTimeout: this.options.sessionTimeoutMs ?? 30_000,
      heartbeatInterval: 3_000,
      maxBytesPerPartition: 8 * 1024 * 1024,
      allowAutoTopicCreation: false,
    });
    // A rebalance starts a new generation: records still being worked on belong to the old one
    // and are redelivered (to this process or another) unless their work ends first.
    this.consumer.on(this.consumer.events.GROUP_JOIN, () => {
      this.pending = new Map();
    });
    await this.consumer.connect();
    await this.consumer.subscribe({ topics, fromBeginning: this.options.fromBeginning ?? true });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 1,
      eachBatch: (payload) => this.processBatch(payload),
    });
    this.log.info('consuming', { groupId: this.options.groupId, topics });
  }

  private async processBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const handler = this.getHandlerByPattern(batch.topic);
    const groupSize = handler === null ? 1 : groupedRecordLimit(handler.extras);
    const messages = batch.messages;
    for (let index = 0; index < messages.length;) {
      if (!payload.isRunning() || payload.isStale() || this.stopping) return;
      const records = messages
        .slice(index, index + groupSize)
        .map((message) => this.toRecord(batch.topic, batch.partition, message));
      const partitionKey = `${batch.topic}:${batch.partition}`;
      const offsets = this.pending.get(partitionKey) ?? new PendingOffsets();
      this.pending.set(partitionKey, offsets);
      for (const record of records) offsets.add(BigInt(record.offset));
      let detached: Promise<void> | undefined;
      const handled =
        groupSize > 1
          ? await this.processGroup(records, payload)
          : await this.processRecord(records[0] ?? this.missingRecord(), payload, false, (work) => {
              detached = work;
            });
      if (!handled) return;
      const last = records[records.length - 1]?.offset ?? '0';
      for (const record of records) payload.resolveOffset(record.offset);
      if (detached === undefined) {
        for (const record of records.slice(0, -1)) offsets.complete(BigInt(record.offset));
        await this.commit(batch.topic, batch.partition, offsets, offsets.complete(BigInt(last)));
      } else {
        const work = detached;
        // Settles later; its commit waits for it (and for every earlier record).
        void work
          .catch((error: unknown) => {
            this.log.error('detached work failed; its record counts as handled', {
              topic: batch.topic,
              partition: batch.partition,
              offset: last,
              error: describeError(error),
            });
          })
          .then(() => this.commit(batch.topic, batch.partition, offsets, offsets.complete(BigInt(last))));
      }
      this.options.onLag?.(
        batch.topic,
        batch.partition,
        Math.max(0, Number(BigInt(batch.highWatermark) - BigInt(last) - 1n)),
      );
      await payload.heartbeat();
      index += records.length;
    }
  }

  /**
   * Commits `offset` for the partition if it is still this generation's (after a rebalance the
   * partition may be another consumer's, and an old commit must not move its offset).
   */
  private async commit(
    topic: string,
    partition: number,
    offsets: PendingOffsets,
    offset: bigint | undefined,
  ): Promise<void> {
    if (offset === undefined || this.pending.get(`${topic}:${partition}`) !== offsets) return;
    try {
      await this.consumer?.commitOffsets([{ topic, partition, offset: offset.toString() }]);
    } catch (error) {
      // The record is redelivered after the rebalance under way; its handler is idempotent.
      this.log.warn('offset commit failed; the records after the last commit will be redelivered', {
        topic,
        partition,
        offset: offset.toString(),
        error: describeError(error),
      });
    }
  }

  private missingRecord(): never {
    throw new Error('empty record group');
  }

  /**
   * A grouped handler (EventPattern extras `{ groupedRecords: N }`) gets up to N consecutive
   * records of one partition at once, e.g. to write them in one transaction. When the group
   * fails permanently, its records are retried one by one so only the bad one is dead-lettered.
   */
  private async processGroup(records: KafkaRecord[], payload: EachBatchPayload): Promise<boolean> {
    const outcome = await this.invoke(records, records, payload, { stopOnPermanent: true });
    if (outcome !== 'permanent') return outcome === 'handled';
    for (const record of records) {
      if (!(await this.processRecord(record, payload, true))) return false;
    }
    return true;
  }

  /** Returns false when the record must be left for redelivery (shutdown or lost partition). */
  private async processRecord(
    record: KafkaRecord,
    payload: EachBatchPayload,
    grouped: boolean,
    detach?: (work: Promise<void>) => void,
  ): Promise<boolean> {
    const outcome = await this.invoke(grouped ? [record] : record, [record], payload, {
      stopOnPermanent: false,
      ...(detach === undefined ? {} : { detach }),
    });
    return outcome === 'handled';
  }

  private async invoke(
    data: KafkaRecord | KafkaRecord[],
    records: readonly KafkaRecord[],
    payload: EachBatchPayload,
    options: { stopOnPermanent: boolean; detach?: (work: Promise<void>) => void },
  ): Promise<'handled' | 'abandoned' | 'permanent'> {
    const first = records[0];
    const handler = first === undefined ? null : this.getHandlerByPattern(first.topic);
    const fields = {
      topic: first?.topic,
      partition: first?.partition,
      offset: first?.offset,
      records: records.length,
    };
    if (handler === null) {
      this.log.warn('no handler for topic, record skipped', fields);
      return 'handled';
    }
    for (let attempt = 1; ; attempt++) {
      try {
        const context: KafkaRecordContext = {
          heartbeat: () => payload.heartbeat(),
          attempt,
          detach:
            options.detach ??
            (() => {
              throw new Error('detach() is not available to grouped handlers');
            }),
          isStale: () => !payload.isRunning() || payload.isStale() || this.stopping,
        };
        await lastValueFrom(this.transformToObservable(await handler(data, context)), {
          defaultValue: undefined,
        });
        return 'handled';
      } catch (error) {
        const permanent = classifyHandlerFailure(error, attempt);
        if (permanent !== undefined) {
          if (options.stopOnPermanent) return 'permanent';
          this.log.error('permanent failure, record dead-lettered', {
            ...fields,
            code: permanent.code,
            error: permanent.message,
          });
          for (const record of records) await this.deadLetter(record, permanent);
          return 'handled';
        }
        const delay = backoffDelayMs(attempt, 250, 15_000);
        this.log.warn('transient failure, retrying', {
          ...fields,
          attempt,
          delayMs: delay,
          error: describeError(error),
        });
        const deadline = Date.now() + delay;
        while (Date.now() < deadline) {
          if (!payload.isRunning() || payload.isStale() || this.stopping) return 'abandoned';
          await new Promise((resolve) => setTimeout(resolve, Math.min(1000, deadline - Date.now())));
          await payload.heartbeat().catch(() => undefined);
        }
      }
    }
  }

  private async deadLetter(record: KafkaRecord, error: QuperSyncError): Promise<void> {
    const value = encodeDeadLetter({
      job: record.headers['qupersync-job'] ?? null,
      runId: record.headers['qupersync-run-id'] ?? null,
      sequence: null,
      stage: this.options.stage,
      errorCode: error.code,
      reason: error.message,
      rowKey: null,
      row: null,
      sourceTopic: record.topic,
      sourcePartition: record.partition,
      sourceOffset: record.offset,
      payload: record.value,
      occurredAtMs: Date.now(),
    });
    await this.producer?.send({
      topic: TopicNames.deadLetter,
      acks: -1,
      messages: [{ key: record.key ?? randomUUID(), value }],
    });
  }

  private toRecord(topic: string, partition: number, message: KafkaMessage): KafkaRecord {
    return {
      topic,
      partition,
      offset: message.offset,
      key: message.key === null ? null : message.key.toString('utf8'),
      value: message.value,
      headers: decodeHeaders(message.headers),
      timestamp: message.timestamp,
    };
  }

  async close(): Promise<void> {
    this.stopping = true;
    await this.consumer?.disconnect().catch(() => undefined);
    await this.producer?.disconnect().catch(() => undefined);
  }

  on(): void {
    // Status events are not exposed; health comes from the service's own checks.
  }

  unwrap<T>(): T {
    throw new Error('KafkaRecordTransport does not expose its client');
  }
}
