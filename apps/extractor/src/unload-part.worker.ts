// Reads one part of an UNLOAD extraction (a few of its files) and publishes the rows as batches
// numbered from the part's sequenceBase, so parts read by different extractors never share a
// sequence. Reading a part twice (after a rebalance) publishes the same batches with the same
// sequences again: the loaders' upserts and the coordinator's per-sequence batch records make
// that harmless. It reports the part on qupersync.extract-part.done.v1 only once every batch is
// acknowledged by the brokers; a failure is reported too, so the attempt fails at once.
import { Injectable } from '@nestjs/common';
import { JobCatalog } from '@qupersync/config';
import {
  BatchContainerCodec,
  type BatchRow,
  batchSchemaSchema,
  describeError,
  extractPartDoneCodec,
  type ExtractPartMessage,
  QuperSyncError,
  unknownJobVersion,
  TopicNames,
} from '@qupersync/contracts';
import { KafkaGateway } from '@qupersync/kafka';
import { JsonLogger } from '@qupersync/observability';
import { z } from 'zod';
import { BatchPublisher } from './batch-publisher.service';
import { createUnloadRowConverter, zonedColumns } from './unload-format.chooser';
import { UnloadFilesReader } from './unload-files.reader';

/** Sequences per part: a part may publish this many batches (parts start at part × stride). */
export const partSequenceStride = 1 << 20;
/** At most this many parts per attempt, so every sequence fits Avro's int. */
export const maxUnloadParts = 2000;

const maxBatchesInFlight = 4;

@Injectable()
export class UnloadPartWorker {
  private readonly logger = new JsonLogger(UnloadPartWorker.name);

  constructor(
    private readonly jobs: JobCatalog,
    private readonly files: UnloadFilesReader,
    private readonly publisher: BatchPublisher,
    private readonly kafka: KafkaGateway,
  ) {}

  /** Reads and publishes the part, then reports it (done or failed); never rejects. */
  async run(
    part: ExtractPartMessage,
    jobVersion: string | null,
    heartbeat: () => Promise<void>,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const log = this.logger.with({
      job: part.job,
      runId: part.runId,
      extractionId: part.extractionId,
      part: part.part,
      parts: part.parts,
    });
    let outcome: { batches: number; rows: number } | undefined;
    let failure: unknown;
    try {
      outcome = await this.read(part, jobVersion, heartbeat, signal);
      log.info('UNLOAD part published', { files: part.urls.length, ...outcome });
    } catch (error) {
      failure = error;
      log.error('UNLOAD part failed', { error: describeError(error) });
    }
    if (signal?.aborted === true) return;
    await this.kafka.send(TopicNames.extractPartDone, [
      {
        key: part.extractionId,
        value: extractPartDoneCodec.encode({
          runId: part.runId,
          extractionId: part.extractionId,
          part: part.part,
          batches: outcome?.batches ?? 0,
          rows: outcome?.rows ?? 0,
          errorCode:
            failure === undefined ? null : failure instanceof QuperSyncError ? failure.code : 'INTERNAL',
          error: failure === undefined ? null : describeError(failure),
          worker: this.kafka.settings.clientId,
        }),
      },
    ]);
  }

  private async read(
    part: ExtractPartMessage,
    jobVersion: string | null,
    heartbeat: () => Promise<void>,
    signal: AbortSignal | undefined,
  ): Promise<{ batches: number; rows: number }> {
    const job = this.jobs.resolve(part.job, jobVersion);
    if (job === undefined)
      throw unknownJobVersion(part.job, jobVersion, this.jobs.missingForMs(part.job, jobVersion));
    const schema = batchSchemaSchema.parse(JSON.parse(part.schemaJson));
    const expressions = z.record(z.string()).parse(JSON.parse(part.expressionsJson));
    const converter = createUnloadRowConverter(schema, part.format, expressions);
    const codec = new BatchContainerCodec(schema);
    let sequence = part.sequenceBase;
    let rows = 0;
    let pending: BatchRow[] = [];
    const inFlight: Promise<void>[] = [];
    const flush = async (): Promise<void> => {
      signal?.throwIfAborted();
      if (pending.length === 0) return;
      // Asked before the batch is taken: nothing below awaits until it is handed to the sender.
      const maxBytes = await this.publisher.maxBatchBytes();
      const prepared = this.publisher.prepare(
        (rows) => codec.encode(rows),
        {
          job: part.job,
          runId: part.runId,
          extractionId: part.extractionId,
          jobVersion,
          rows: pending,
          cursorFrom: null,
          cursorTo: null,
        },
        sequence,
        maxBytes,
      );
      sequence += prepared.length;
      if (sequence - part.sequenceBase > partSequenceStride)
        throw new QuperSyncError(
          'BATCH_INVALID',
          'permanent',
          `an UNLOAD part made more than ${partSequenceStride} batches; raise the job's batch_size`,
        );
      rows += pending.length;
      pending = [];
      const sending = this.publisher.send(prepared);
      sending.catch(() => undefined);
      inFlight.push(sending);
      while (inFlight.length >= maxBatchesInFlight) await inFlight.shift();
      await heartbeat();
    };
    const manifest = {
      entries: part.urls.map((url, index) => ({
        url,
        contentLength: undefined,
        recordCount: part.recordCounts[index] ?? undefined,
      })),
      recordCount: undefined,
    };
    const files = { format: part.format, zoned: zonedColumns(schema) };
    for await (const page of this.files.records(manifest, converter.projection.length, signal, files)) {
      for (const record of page) {
        pending.push(converter.toRow(record));
        if (pending.length >= job.batchSize) await flush();
      }
    }
    await flush();
    for (const sending of inFlight.splice(0)) await sending;
    return { batches: sequence - part.sequenceBase, rows };
  }
}
