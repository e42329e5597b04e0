// Extracts one run of a job through the Redshift Data API as a sequence of bounded keyset
// statements, cutting rows into batches of exactly batch_size (the last one smaller). Memory
// holds one Data API page plus one batch, whatever the table size. Values stay exact: BIGINT is
// read as text, everything else arrives as Redshift printed it.
import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { JobCatalog, JobDefinition, quoteIdentifier, quoteQualifiedName } from '@qupersync/config';
import {
  BatchColumn,
  BatchContainerCodec,
  batchEventId,
  BatchSchema,
  ExactValue,
  describeError,
  ExtractRequestMessage,
  extractPartCodec,
  QuperSyncError,
  topicPartitions,
  unknownJobVersion,
  batchHeaderNames,
  TopicNames,
} from '@qupersync/contracts';
import { KafkaGateway } from '@qupersync/kafka';
import { columnKindOf } from '@qupersync/entity';
import { JsonLogger, PipelineMetrics } from '@qupersync/observability';
import {
  type QueryResult,
  RedshiftDataGateway,
  resolveJobStatementTarget,
  SourceColumn,
  type SourceRecord,
  StatementTarget,
} from '@qupersync/redshift';
import type { RedshiftEnvironment } from '@qupersync/redshift';
import { formatS3Uri, joinS3Key, parseS3Uri, type S3Location } from '@qupersync/object-store';
import { BatchPublisher } from './batch-publisher.service';
import {
  buildKeyListStatement,
  buildKeysetStatement,
  buildNullKeyStatement,
  castTypeOf,
} from './keyset-statement.builder';
import {
  buildRangeStatsStatement,
  buildSortKeyStatement,
  buildTableSizeStatement,
  cutRangeBounds,
  describeScanPlan,
  type ScanPlan,
  sortKeyColumnOf,
} from './scan-plan.builder';
import { createSourceRowConverter } from './source-row.converter';
import { declaredRowBytes, isResultSizeFailure, StatementSizePlanner } from './statement-size.planner';
import { UnloadFilesReader } from './unload-files.reader';
import { UnloadPartTracker } from './unload-part.tracker';
import { maxUnloadParts, partSequenceStride } from './unload-part.worker';
import { chooseUnloadFormat, createUnloadRowConverter, type UnloadFileFormat } from './unload-format.chooser';
import { buildUnloadStatement, inlineParameters } from './unload-statement.builder';
import { earlierOf, shiftBack, temporalKindOf } from './watermark-window';

export const REDSHIFT_ENVIRONMENT = Symbol('REDSHIFT_ENVIRONMENT');

export interface ExtractionProgress {
  heartbeat(): Promise<void>;
  /** Aborts the extraction (its statement is cancelled) when its run has ended. */
  readonly signal?: AbortSignal;
}

/** A keyset statement on its way, with the row limit it asked for. */
interface Statement {
  readonly result: Promise<QueryResult>;
  readonly limit: number;
  /** The sort-key range it reads (an index into the plan's ranges). */
  readonly range: number;
}

export interface ExtractionOutcome {
  readonly batches: number;
  readonly rows: number;
  readonly highCursor: string[] | null;
  readonly scanPlan: string;
  readonly rowsScanned: number | null;
}

@Injectable()
export class ExtractionService {
  private readonly logger = new JsonLogger(ExtractionService.name);

  constructor(
    private readonly jobs: JobCatalog,
    private readonly gateway: RedshiftDataGateway,
    private readonly publisher: BatchPublisher,
    @Inject(REDSHIFT_ENVIRONMENT) private readonly environment: RedshiftEnvironment,
    private readonly metrics: PipelineMetrics,
    private readonly unloadFiles: UnloadFilesReader,
    private readonly partTracker: UnloadPartTracker,
    private readonly kafka: KafkaGateway,
  ) {}

  /**
   * Extracts one delivery of an extract request as the attempt `extractionId` (newExtractionId):
   * the caller names the attempt so that a failure it reports carries the same id.
   */
  async extract(
    request: ExtractRequestMessage,
    progress: ExtractionProgress,
    extractionId: string,
    jobVersion: string | null = null,
  ): Promise<ExtractionOutcome> {
    // The definition the coordinator started the run under, even if this process reloaded since.
    const job = this.jobs.resolve(request.job, jobVersion);
    if (job === undefined)
      throw unknownJobVersion(request.job, jobVersion, this.jobs.missingForMs(request.job, jobVersion));
    const log = this.logger.with({ job: job.name, runId: request.runId, extractionId });
    // Every statement's RedshiftQueryId, to ask STL_SCAN at the end what the run read.
    const queryIds: number[] = [];
    const runQuery = (query: Parameters<RedshiftDataGateway['runQuery']>[0]): Promise<QueryResult> =>
      this.gateway.runQuery(query).then((result) => {
        if (result.redshiftQueryId !== null) queryIds.push(result.redshiftQueryId);
        return result;
      });
    const target = resolveJobStatementTarget(this.environment, job.source);
    const source =
      job.source.sql !== undefined ? `(${job.source.sql})` : quoteQualifiedName(requireTable(job));
    const statementName = `qupersync:${job.name}:${request.runId}`;
    const { schema, expressions, caseInsensitiveColumns } = await this.describeSource(
      job,
      source,
      target,
      progress.signal,
      statementName,
    );
    let scanPlan: ScanPlan = { kind: 'single_scan', reason: 'nothing to read' };
    const incremental = request.mode === 'incremental';
    const watermark = job.watermark;
    if (incremental && watermark === undefined)
      throw new QuperSyncError('MESSAGE_INVALID', 'permanent', `job ${job.name} has no watermark`);
    const keyColumns =
      incremental && watermark !== undefined ? [watermark, ...job.primaryKey] : [...job.primaryKey];
    const fromCursor =
      request.fromCursor === null ? null : parseCursor(request.fromCursor, keyColumns.length);
    const watermarkColumn = schema.columns.find((column) => column.name === watermark);
    let lookbackFrom =
      incremental && fromCursor !== null && job.lookbackMs > 0 && watermarkColumn !== undefined
        ? shiftBack(
            fromCursor[0] ?? '',
            temporalKindOf(watermarkColumn, 'lookback', job.name),
            job.lookbackMs,
          )
        : null;
    const windowLookbackFrom = lookbackFrom;
    const upperBound =
      incremental && watermarkColumn !== undefined
        ? await this.readUpperBound(
            job,
            source,
            watermarkColumn,
            windowLookbackFrom ?? fromCursor?.[0] ?? null,
            target,
            progress.signal,
            statementName,
            runQuery,
          )
        : null;
    const resultFormat = job.source.resultFormat ?? this.environment.REDSHIFT_RESULT_FORMAT;
    log.info('extraction started', {
      mode: request.mode,
      fromCursor,
      upperBound,
      columns: schema.columns.length,
      resultFormat,
      ...(caseInsensitiveColumns.length === 0 ? {} : { pagedCaseSensitively: caseInsensitiveColumns }),
    });

    // Every bound value is cast to its column's own type (see ColumnCastTypes).
    const castTypes = Object.fromEntries(
      schema.columns
        .filter((column) => keyColumns.includes(column.name))
        .map((column) => [column.name, castTypeOf(column)]),
    );
    const codec = new BatchContainerCodec(schema);
    const converter = createSourceRowConverter(schema, resultFormat, expressions);
    const statementRows = Math.max(job.batchSize, Math.min(100_000, job.batchSize * 20));
    let cursor: string[] | null = fromCursor;
    let sequence = 0;
    /** Batches this process published; an UNLOAD's parts publish theirs (partBatches). */
    let batchCount = 0;
    let partBatches = 0;
    let partRows = 0;
    let rows = 0;
    /** The attempt's UNLOAD folder, deleted once every batch is published. */
    let unloadedTo: S3Location | undefined;
    // Source records as the Data API gave them: encoded straight into Avro (no row objects).
    let pending: SourceRecord[] = [];
    const encodeRecords = (records: readonly SourceRecord[]): Buffer =>
      codec.encodeFrom(records, converter.fill);
    const keyIndexes = keyColumns.map((name) => schema.columns.findIndex((column) => column.name === name));
    const cursorOf = (record: SourceRecord): string[] =>
      keyIndexes.map((index) => cursorText(index < 0 ? null : converter.valueAt(record, index)));
    let pendingFrom: string[] | null = cursor;
    // Sends overlap with reading and encoding the next batches, at most `maxBatchesInFlight` at a
    // time, so memory stays bounded by a few batches while the broker round trips are hidden.
    const inFlight: Promise<void>[] = [];
    const flush = async (): Promise<void> => {
      progress.signal?.throwIfAborted();
      if (pending.length === 0) return;
      // Asked before the batch is taken: nothing below awaits until it is handed to the sender.
      const maxBytes = await this.publisher.maxBatchBytes();
      const prepared = this.publisher.prepare(
        encodeRecords,
        {
          job: job.name,
          runId: request.runId,
          extractionId,
          jobVersion,
          rows: pending,
          cursorFrom: pendingFrom === null ? null : JSON.stringify(pendingFrom),
          cursorTo: cursor === null ? null : JSON.stringify(cursor),
        },
        sequence,
        maxBytes,
      );
      sequence += prepared.length;
      batchCount += prepared.length;
      rows += pending.length;
      pending = [];
      pendingFrom = cursor;
      const sending = this.publisher.send(prepared);
      // Awaited below (or at the end); the catch only keeps a failure from going unhandled meanwhile.
      sending.catch(() => undefined);
      inFlight.push(sending);
      while (inFlight.length >= maxBatchesInFlight) await inFlight.shift();
      await progress.heartbeat();
    };

    if (request.keys !== null) {
      // A keyed run (replay): only the listed keys, through the Data API, a bounded number of keys
      // per statement. No watermark window, no UNLOAD, no NULL-key pass: a listed key is never NULL.
      if (incremental)
        throw new QuperSyncError(
          'MESSAGE_INVALID',
          'permanent',
          `job ${job.name}: a keyed run reads in full mode`,
        );
      const keyList = (keys: readonly (readonly string[])[]): ReturnType<typeof buildKeyListStatement> =>
        buildKeyListStatement({
          source,
          castTypes,
          projection: converter.projection,
          primaryKey: job.primaryKey,
          keys,
          caseInsensitiveColumns,
        });
      const keysPerStatement = Math.min(
        new StatementSizePlanner(
          { maxRows: maxKeysPerStatement, maxResultBytes: this.environment.REDSHIFT_MAX_RESULT_BYTES },
          declaredRowBytes(schema.columns),
        ).rows,
        keysFittingStatement(request.keys, keyList),
      );
      let statements = 0;
      for (let start = 0; start < request.keys.length; start += keysPerStatement) {
        const statement = keyList(request.keys.slice(start, start + keysPerStatement));
        statements += 1;
        const result = await runQuery({
          signal: statementDeadline(job, progress.signal),
          sql: statement.sql,
          parameters: statement.parameters,
          target,
          statementName: `${statementName}:keys`,
          resultFormat,
        });
        for await (const page of result.pages()) {
          for (const record of page) {
            pending.push(record);
            if (pending.length >= job.batchSize) await flush();
          }
        }
      }
      scanPlan = { kind: 'keys', keys: request.keys.length, statements };
      log.info('scan plan chosen', { scanPlan: describeScanPlan(scanPlan) });
    } else if (!incremental || upperBound !== null) {
      const window =
        incremental && watermark !== undefined && upperBound !== null
          ? { column: watermark, upperBound }
          : undefined;
      const unload = await this.unloadDestination(job, target, progress.signal, statementName, runQuery);
      if (unload !== undefined) {
        // UNLOAD: every row of the run's range (no order, no limit) to the attempt's own folder,
        // read back file by file, in Parquet or CSV (the columns decide whether Parquet can be).
        const { format, because } = chooseUnloadFormat(unload.format, schema, expressions);
        if (because !== undefined) log.info('unloading CSV instead of Parquet', { because });
        const unloadConverter = createUnloadRowConverter(schema, format, expressions);
        const statement = buildKeysetStatement({
          source,
          castTypes,
          projection: unloadConverter.projection,
          keyColumns,
          cursor: fromCursor,
          limit: null,
          caseInsensitiveColumns,
          ...(window === undefined ? {} : { watermark: { ...window, lookbackFrom } }),
        });
        const prefix: S3Location = {
          bucket: unload.base.bucket,
          key: `${joinS3Key(unload.base.key, job.name, request.runId, extractionId)}/`,
        };
        unloadedTo = prefix;
        await this.sweepOldUnloads(job, unload.base, log);
        // The files have no order: the run's high cursor is its range's greatest key, read apart,
        // and before the UNLOAD. Read after it, a row committed in between with a greater key would
        // move the cursor past a row the files do not hold; read before, such a row is at worst
        // unloaded now and read again by the next run.
        let unloadHighCursor: string[] | null = null;
        if (incremental) {
          const last = buildKeysetStatement({
            source,
            castTypes,
            projection: converter.projection,
            keyColumns,
            cursor: fromCursor,
            limit: 1,
            order: 'desc',
            caseInsensitiveColumns,
            ...(window === undefined ? {} : { watermark: { ...window, lookbackFrom } }),
          });
          const result = await runQuery({
            signal: statementDeadline(job, progress.signal),
            sql: last.sql,
            parameters: last.parameters,
            target,
            statementName: `${statementName}:last-key`,
            resultFormat,
          });
          for await (const page of result.pages()) {
            const record = page[0];
            if (record === undefined) continue;
            const row = converter.toRow(record);
            unloadHighCursor = keyColumns.map((name) => cursorText(row[name] ?? null));
          }
        }
        log.info('unloading to S3', { to: formatS3Uri(prefix) });
        const unloaded = await runQuery({
          signal: statementDeadline(job, progress.signal),
          sql: buildUnloadStatement({
            query: inlineParameters(statement.sql, statement.parameters),
            to: formatS3Uri(prefix),
            iamRole: unload.iamRole,
            format,
            maxFileMb: this.environment.REDSHIFT_UNLOAD_MAX_FILE_MB,
          }),
          target,
          statementName: `${statementName}:unload`,
        });
        for await (const _page of unloaded.pages()) {
          // UNLOAD has no result set; its rows are in the files.
        }
        const manifest = await this.unloadFiles.manifest(prefix);
        // The files go out as parts, read by every extractor of the group (this one too); the
        // attempt completes once each part has reported. Parts number their own batches.
        const parts = groupIntoParts(manifest.entries, maxUnloadParts);
        if (parts.length > 0) {
          this.partTracker.expect(extractionId, parts.length);
          await this.kafka.send(
            TopicNames.extractPart,
            parts.map((entries, index) => ({
              key: `${extractionId}:${index}`,
              // Spread over the partitions (p mod 12); which extractor reads which partition is the
              // group assignment's choice, so few parts may all land on one extractor.
              partition: index % topicPartitions[TopicNames.extractPart],
              value: extractPartCodec.encode({
                runId: request.runId,
                job: job.name,
                extractionId,
                part: index,
                parts: parts.length,
                urls: entries.map((entry) => entry.url),
                recordCounts: entries.map((entry) => entry.recordCount ?? null),
                sequenceBase: index * partSequenceStride,
                schemaJson: JSON.stringify(schema),
                expressionsJson: JSON.stringify(expressions),
                createdAtMs: Date.now(),
                format,
              }),
              headers: jobVersionHeaders(jobVersion),
            })),
          );
          log.info('UNLOAD parts published', { parts: parts.length, files: manifest.entries.length });
          const fromParts = await this.partTracker.wait(
            extractionId,
            () => progress.heartbeat(),
            progress.signal,
          );
          log.info('UNLOAD parts done', { ...fromParts });
          partBatches = fromParts.batches;
          partRows = fromParts.rows;
        }
        if (unloadHighCursor !== null) cursor = unloadHighCursor;
        // This attempt's own batches (rows with a NULL key) come after every part's.
        sequence = parts.length * partSequenceStride;
        scanPlan = { kind: 'unload', files: manifest.entries.length, format, to: formatS3Uri(prefix) };
        log.info('scan plan chosen', { scanPlan: describeScanPlan(scanPlan) });
      } else {
        scanPlan = await this.chooseScanPlan(job, {
          source,
          target,
          signal: progress.signal,
          statementName,
          schema,
          lead: keyColumns[0] ?? '',
          castTypes,
          from: lookbackFrom ?? fromCursor?.[0] ?? null,
          upTo: window?.upperBound ?? null,
          rowsPerRange: new StatementSizePlanner(
            { maxRows: statementRows, maxResultBytes: this.environment.REDSHIFT_MAX_RESULT_BYTES },
            declaredRowBytes(schema.columns),
          ).rows,
          runQuery,
        });
        log.info('scan plan chosen', { scanPlan: describeScanPlan(scanPlan) });
        // Ranges bound statements on both sides; a single scan asks for as many rows as the
        // result-size limit allows, so the table is scanned as few times as it can be.
        const bounds = scanPlan.kind === 'sort_key_ranges' ? scanPlan.bounds : [];
        const sizes = new StatementSizePlanner(
          {
            maxRows: scanPlan.kind === 'sort_key_ranges' ? statementRows : singleScanMaxRows,
            maxResultBytes: this.environment.REDSHIFT_MAX_RESULT_BYTES,
          },
          declaredRowBytes(schema.columns),
        );
        const runStatement = (after: string[] | null, limit: number, range: number): Statement => {
          const statement = buildKeysetStatement({
            source,
            castTypes,
            projection: converter.projection,
            keyColumns,
            cursor: after,
            limit,
            rangeUpTo: bounds[range] ?? null,
            caseInsensitiveColumns,
            ...(window === undefined ? {} : { watermark: { ...window, lookbackFrom } }),
          });
          const result = runQuery({
            signal: statementDeadline(job, progress.signal),
            sql: statement.sql,
            parameters: statement.parameters,
            target,
            statementName,
            resultFormat,
          });
          // Awaited in its turn; the catch only keeps a failure from going unhandled meanwhile.
          result.catch(() => undefined);
          return { result, limit, range };
        };
        let next: Statement | null = null;
        let range = 0;
        for (;;) {
          const current: Statement = next ?? runStatement(cursor, sizes.rows, range);
          next = null;
          let received = 0;
          try {
            const result = await current.result;
            // The lookback window's lower bound belongs to the first statement that ran.
            lookbackFrom = null;
            sizes.observed(result.totalRows, result.resultBytes);
            // A full statement may be followed by more rows of its range; one that is not full
            // ends its range, and the next range follows. Its last page holds the next statement's
            // cursor, so the next statement is started as soon as that page arrives: the warehouse
            // runs it while this one's rows are still converted and published.
            const mayContinue = result.totalRows >= current.limit;
            const nextRange = mayContinue ? current.range : current.range + 1;
            for await (const page of prefetched(result.pages())) {
              progress.signal?.throwIfAborted();
              received += page.length;
              const last = page[page.length - 1];
              if (
                nextRange <= bounds.length &&
                next === null &&
                received >= result.totalRows &&
                last !== undefined
              ) {
                next = runStatement(cursorOf(last), sizes.rows, nextRange);
              }
              for (const record of page) {
                pending.push(record);
                cursor = cursorOf(record);
                if (pending.length >= job.batchSize) await flush();
              }
            }
          } catch (error) {
            if (!isResultSizeFailure(error)) throw error;
            // The rows read so far stand (the cursor is past them); the rest is asked for again in
            // statements half as large, down to one row, which alone is then too large.
            next = null;
            if (!sizes.shrink(current.limit)) {
              throw await this.tooLargeRow(job, source, target, castTypes, keyColumns, cursor, window, error);
            }
            this.metrics.statementsShrunk.inc();
            log.warn('statement result too large for the Data API; asking for fewer rows', {
              rows: current.limit,
              nextRows: sizes.rows,
              error: describeError(error),
            });
            continue;
          }
          if (received < current.limit) {
            // The range is read; the last range is open above, so the table is.
            if (current.range >= bounds.length) break;
            range = current.range + 1;
          }
        }
      }
      // Rows with a NULL key cannot be paged by key: read apart, once per run window, and sent on
      // like any row, so the transformer counts them invalid (the key is always required) and
      // dead-letters them with the reason, or fails the batch under on_invalid: fail.
      const nullKeyStatement = buildNullKeyStatement({
        source,
        castTypes,
        projection: converter.projection,
        primaryKey: job.primaryKey,
        limit: maxNullKeyRows + 1,
        ...(incremental && watermark !== undefined && upperBound !== null
          ? {
              watermark: {
                column: watermark,
                upperBound,
                after: fromCursor?.[0] ?? null,
                lookbackFrom: windowLookbackFrom,
              },
            }
          : {}),
      });
      const nullKeys = await runQuery({
        signal: statementDeadline(job, progress.signal),
        sql: nullKeyStatement.sql,
        parameters: nullKeyStatement.parameters,
        target,
        statementName: `${statementName}:null-keys`,
        resultFormat,
      });
      if (nullKeys.totalRows > maxNullKeyRows) {
        throw new QuperSyncError(
          'ROW_INVALID',
          'permanent',
          `job ${job.name}: more than ${maxNullKeyRows} rows have a NULL in a primary key column (${job.primaryKey.join(', ')}); fix the source or choose another key`,
        );
      }
      let nullKeyRows = 0;
      for await (const page of nullKeys.pages()) {
        for (const record of page) {
          pending.push(record);
          nullKeyRows += 1;
          if (pending.length >= job.batchSize) await flush();
        }
      }
      if (nullKeyRows > 0) log.warn('rows with a NULL primary key sent on as invalid', { rows: nullKeyRows });
    }
    await flush();
    for (const sending of inFlight.splice(0)) await sending;
    const highCursor = incremental ? cursor : null;
    const rowsScanned = await this.rowsScanned(job, target, queryIds, log);
    const plan = describeScanPlan(scanPlan);
    await this.publisher.sendEvent({
      eventId: batchEventId({ runId: request.runId, extractionId, sequence: null }, 'extraction_completed'),
      extractionId,
      runId: request.runId,
      job: job.name,
      kind: 'extraction_completed',
      totalBatches: batchCount + partBatches,
      rowCount: rows + partRows,
      cursorTo: highCursor === null ? null : JSON.stringify(highCursor),
      scanPlan: plan,
      rowsScanned,
    });
    log.info('extraction completed', {
      batches: batchCount + partBatches,
      rows: rows + partRows,
      highCursor,
      scanPlan: plan,
      rowsScanned,
    });
    if (unloadedTo !== undefined) {
      // Every batch is in Kafka: the files have served their purpose.
      const removed = unloadedTo;
      await this.unloadFiles
        .delete(removed)
        .then((objects) => log.info('UNLOAD files deleted', { to: formatS3Uri(removed), objects }))
        .catch((error: unknown) =>
          log.warn('UNLOAD files not deleted; the sweep removes them later', {
            to: formatS3Uri(removed),
            error: describeError(error),
          }),
        );
    }
    return {
      batches: batchCount + partBatches,
      rows: rows + partRows,
      highCursor,
      scanPlan: plan,
      rowsScanned,
    };
  }

  /**
   * Where this run unloads to, or undefined to read through the Data API's result pages.
   * source.extract auto unloads a table of at least REDSHIFT_UNLOAD_THRESHOLD_MB
   * (SVV_TABLE_INFO.size) when an S3 location and an IAM role are configured.
   */
  private async unloadDestination(
    job: JobDefinition,
    target: StatementTarget,
    signal: AbortSignal | undefined,
    statementName: string,
    runQuery: (query: Parameters<RedshiftDataGateway['runQuery']>[0]) => Promise<QueryResult>,
  ): Promise<{ base: S3Location; iamRole: string; format: UnloadFileFormat } | undefined> {
    const mode = job.source.extract;
    const format = job.source.unload.format ?? this.environment.REDSHIFT_UNLOAD_FORMAT;
    if (mode === 'data_api') return undefined;
    const uri = job.source.unload.s3Uri ?? this.environment.REDSHIFT_UNLOAD_S3_URI;
    const iamRole = job.source.unload.iamRole ?? this.environment.REDSHIFT_UNLOAD_IAM_ROLE;
    if (uri === undefined || iamRole === undefined) {
      if (mode === 'auto') return undefined;
      throw new QuperSyncError(
        'MESSAGE_INVALID',
        'permanent',
        `job ${job.name} has source.extract: unload but no ${uri === undefined ? 'S3 location' : 'IAM role'}: ` +
          'set source.unload.s3_uri and source.unload.iam_role, or REDSHIFT_UNLOAD_S3_URI and REDSHIFT_UNLOAD_IAM_ROLE',
      );
    }
    const base = parseS3Uri(uri);
    if (mode === 'unload') return { base, iamRole, format };
    const table = job.source.table;
    if (table === undefined) return undefined;
    try {
      const statement = buildTableSizeStatement(table);
      const result = await runQuery({
        signal: statementDeadline(job, signal),
        sql: statement.sql,
        parameters: statement.parameters,
        target,
        statementName: `${statementName}:table-size`,
        resultFormat: 'JSON',
      });
      let sizeMb = 0;
      for await (const page of result.pages()) {
        const value = page[0]?.[0];
        if (value !== undefined && value !== null) sizeMb = Number(value);
      }
      return sizeMb >= this.environment.REDSHIFT_UNLOAD_THRESHOLD_MB ? { base, iamRole, format } : undefined;
    } catch (error) {
      if (signal?.aborted === true) throw error;
      this.logger.warn(
        'table size unknown (SVV_TABLE_INFO could not be read); reading through the Data API',
        {
          job: job.name,
          error: describeError(error),
        },
      );
      return undefined;
    }
  }

  /**
   * Deletes the job's UNLOAD folders older than REDSHIFT_UNLOAD_RETENTION_SECONDS: attempts that
   * failed or were abandoned keep their files for a look, not for ever.
   */
  private async sweepOldUnloads(job: JobDefinition, base: S3Location, log: JsonLogger): Promise<void> {
    const jobPrefix: S3Location = { bucket: base.bucket, key: `${joinS3Key(base.key, job.name)}/` };
    const cutoff = Date.now() - this.environment.REDSHIFT_UNLOAD_RETENTION_SECONDS * 1000;
    try {
      const objects = await this.unloadFiles.list(jobPrefix);
      const expired = new Set<string>();
      for (const object of objects) {
        // <job>/<run>/<attempt>/<file>: a folder goes when its newest object is past retention.
        const folder = object.key.split('/').slice(0, -1).join('/');
        if ((object.lastModified?.getTime() ?? 0) < cutoff) expired.add(folder);
      }
      for (const object of objects) {
        const folder = object.key.split('/').slice(0, -1).join('/');
        if ((object.lastModified?.getTime() ?? 0) >= cutoff) expired.delete(folder);
      }
      for (const folder of expired) {
        const removed = await this.unloadFiles.delete({ bucket: base.bucket, key: `${folder}/` });
        log.info('old UNLOAD files swept', { to: `s3://${base.bucket}/${folder}/`, objects: removed });
      }
    } catch (error) {
      log.warn('old UNLOAD files not swept', { error: describeError(error) });
    }
  }

  /**
   * Chooses how to read the source (see scan-plan.builder): sort-key ranges when the paging key
   * leads the table's sort key and can be cut into ranges, one scan otherwise. Reading the sort
   * key needs SELECT on SVV_TABLE_INFO; without it the run still works, as a single scan.
   */
  private async chooseScanPlan(
    job: JobDefinition,
    input: {
      readonly source: string;
      readonly target: StatementTarget;
      readonly signal: AbortSignal | undefined;
      readonly statementName: string;
      readonly schema: BatchSchema;
      readonly lead: string;
      readonly castTypes: Readonly<Record<string, string>>;
      readonly from: string | null;
      readonly upTo: string | null;
      readonly rowsPerRange: number;
      readonly runQuery: (query: Parameters<RedshiftDataGateway['runQuery']>[0]) => Promise<QueryResult>;
    },
  ): Promise<ScanPlan> {
    const table = job.source.table;
    if (table === undefined) return { kind: 'single_scan', reason: 'the source is a SQL query' };
    let sortKey: string | undefined;
    try {
      const statement = buildSortKeyStatement(table);
      const result = await input.runQuery({
        signal: statementDeadline(job, input.signal),
        sql: statement.sql,
        parameters: statement.parameters,
        target: input.target,
        statementName: `${input.statementName}:sort-key`,
        resultFormat: 'JSON',
      });
      for await (const page of result.pages()) {
        const value = page[0]?.[0];
        if (typeof value === 'string') sortKey = sortKeyColumnOf(value);
      }
    } catch (error) {
      if (input.signal?.aborted === true) throw error;
      this.logger.warn(
        'sort key unknown (SVV_TABLE_INFO could not be read); the run reads as a single scan',
        {
          job: job.name,
          error: describeError(error),
        },
      );
      return { kind: 'single_scan', reason: `sort key unknown: ${describeError(error)}` };
    }
    if (sortKey === undefined) return { kind: 'single_scan', reason: 'the table has no sort key' };
    if (sortKey !== input.lead)
      return {
        kind: 'single_scan',
        reason: `sort key ${sortKey} does not lead the paging key ${input.lead}`,
      };
    const column = input.schema.columns.find((candidate) => candidate.name === input.lead);
    const castType = input.castTypes[input.lead];
    if (column === undefined || castType === undefined)
      return { kind: 'single_scan', reason: `paging key ${input.lead} is not read` };
    const statement = buildRangeStatsStatement({
      source: input.source,
      column: input.lead,
      castType,
      from: input.from,
      upTo: input.upTo,
    });
    const stats = await input.runQuery({
      signal: statementDeadline(job, input.signal),
      sql: statement.sql,
      parameters: statement.parameters,
      target: input.target,
      statementName: `${input.statementName}:ranges`,
      resultFormat: 'JSON',
    });
    let low: string | null = null;
    let high: string | null = null;
    let rows = 0;
    for await (const page of stats.pages()) {
      const [first, last, count] = page[0] ?? [];
      if (typeof first === 'string') low = first;
      if (typeof last === 'string') high = last;
      if (count !== undefined && count !== null) rows = Number(count);
    }
    const bounds =
      low === null || high === null ? [] : cutRangeBounds(column, low, high, rows, input.rowsPerRange);
    if (bounds === undefined)
      return {
        kind: 'single_scan',
        reason: `sort key ${input.lead} is ${column.sqlType}, which cannot be cut into ranges`,
      };
    return { kind: 'sort_key_ranges', column: input.lead, bounds };
  }

  /**
   * Rows the warehouse's table scans read for the extraction's statements, from STL_SCAN by
   * RedshiftQueryId; null when unknown (no query ids, or STL_SCAN not readable, as on Serverless).
   */
  private async rowsScanned(
    job: JobDefinition,
    target: StatementTarget,
    queryIds: readonly number[],
    log: JsonLogger,
  ): Promise<number | null> {
    const ids = queryIds.filter((id) => Number.isSafeInteger(id) && id > 0);
    if (ids.length === 0) return null;
    let total = 0;
    try {
      for (let start = 0; start < ids.length; start += 1000) {
        const result = await this.gateway.runQuery({
          signal: statementDeadline(job, undefined),
          sql: `SELECT CAST(COALESCE(SUM(rows_pre_filter), 0) AS VARCHAR) AS scanned FROM stl_scan WHERE query IN (${ids.slice(start, start + 1000).join(', ')})`,
          target,
          resultFormat: 'JSON',
        });
        for await (const page of result.pages()) {
          const value = page[0]?.[0];
          if (value !== undefined && value !== null) total += Number(value);
        }
      }
      return total;
    } catch (error) {
      log.warn('rows scanned unknown (STL_SCAN could not be read)', { error: describeError(error) });
      return null;
    }
  }

  private async describeSource(
    job: JobDefinition,
    source: string,
    target: StatementTarget,
    stop: AbortSignal | undefined,
    statementName: string,
  ): Promise<{
    schema: BatchSchema;
    expressions: Readonly<Record<string, string>>;
    /** Key and watermark columns of a case-insensitive collation (see buildKeysetStatement). */
    caseInsensitiveColumns: readonly string[];
  }> {
    const probe = await this.gateway.runQuery({
      signal: statementDeadline(job, stop),
      sql: `SELECT * FROM ${source} AS q LIMIT 0`,
      target,
      statementName: `${statementName}:describe`,
    });
    for await (const _page of probe.pages()) {
      // Drain: a LIMIT 0 statement has no rows, only column metadata.
    }
    const handling = job.source.columns;
    const unknownHandling = Object.keys(handling).filter(
      (name) => !probe.columns.some((column) => column.name === name),
    );
    if (unknownHandling.length > 0)
      throw new QuperSyncError(
        'SOURCE_STATEMENT_FAILED',
        'permanent',
        `job ${job.name}: source.columns names column(s) the source does not have: ${unknownHandling.join(', ')}`,
      );
    const columns: BatchColumn[] = [];
    const expressions: Record<string, string> = {};
    for (const column of probe.columns) {
      const as = handling[column.name];
      if (as === 'exclude') continue;
      if (as === 'text') {
        expressions[column.name] = textExpression(column);
        columns.push({
          name: column.name,
          kind: 'text',
          sqlType: 'varchar',
          precision: null,
          scale: null,
          nullable: true,
        });
        continue;
      }
      columns.push({
        name: column.name,
        kind: kindOrWayOut(job, column),
        sqlType: column.typeName,
        precision: column.precision > 0 ? column.precision : null,
        scale: column.precision > 0 ? column.scale : null,
        nullable: column.nullable,
      });
    }
    const names = new Set(columns.map((column) => column.name));
    const missing = [...job.primaryKey, ...(job.watermark === undefined ? [] : [job.watermark])].filter(
      (name) => !names.has(name),
    );
    if (missing.length > 0) {
      throw new QuperSyncError(
        'SOURCE_STATEMENT_FAILED',
        'permanent',
        `job ${job.name}: source has no column(s) ${missing.join(', ')}`,
      );
    }
    const keys = [...job.primaryKey, ...(job.watermark === undefined ? [] : [job.watermark])];
    const caseInsensitiveColumns = probe.columns
      .filter((column) => keys.includes(column.name) && !column.caseSensitive)
      .filter((column) => columns.some((read) => read.name === column.name && read.kind === 'text'))
      .map((column) => column.name);
    return {
      schema: { job: job.name, columns, primaryKey: [...job.primaryKey], watermark: job.watermark ?? null },
      expressions,
      caseInsensitiveColumns,
    };
  }

  /**
   * The run fails on a row the Data API cannot return (above its 64 KB row limit): the error
   * names the row's key and size, read with a statement that returns only those.
   */
  private async tooLargeRow(
    job: JobDefinition,
    source: string,
    target: StatementTarget,
    castTypes: Record<string, string>,
    keyColumns: readonly string[],
    cursor: string[] | null,
    window: { column: string; upperBound: string } | undefined,
    failure: unknown,
  ): Promise<QuperSyncError> {
    const limit = this.environment.REDSHIFT_MAX_ROW_BYTES;
    const unknown = new QuperSyncError(
      'ROW_TOO_LARGE',
      'permanent',
      `job ${job.name}: a row after key ${JSON.stringify(cursor)} is too large for the Data API ` +
        `(${describeError(failure)}); exclude or cast its large columns, or extract it another way`,
    );
    const schema = (
      await this.gateway
        .runQuery({
          signal: statementDeadline(job, undefined),
          sql: `SELECT * FROM ${source} AS q LIMIT 0`,
          target,
        })
        .catch(() => undefined)
    )?.columns;
    if (schema === undefined) return unknown;
    const size = schema
      .map((column) =>
        /char|text|string/i.test(column.typeName)
          ? `COALESCE(OCTET_LENGTH(q.${quoteIdentifier(column.name)}), 0)`
          : `COALESCE(OCTET_LENGTH(CAST(q.${quoteIdentifier(column.name)} AS VARCHAR)), 0)`,
      )
      .join(' + ');
    const statement = buildKeysetStatement({
      source,
      castTypes,
      projection: [
        ...keyColumns.map(
          (name) => `CAST(q.${quoteIdentifier(name)} AS VARCHAR) AS ${quoteIdentifier(name)}`,
        ),
        `${size === '' ? '0' : size} AS row_bytes`,
      ],
      keyColumns,
      cursor,
      limit: 1,
      ...(window === undefined ? {} : { watermark: { ...window, lookbackFrom: null } }),
    });
    try {
      const probe = await this.gateway.runQuery({
        signal: statementDeadline(job, undefined),
        sql: statement.sql,
        parameters: statement.parameters,
        target,
        resultFormat: 'JSON',
      });
      for await (const page of probe.pages()) {
        const record = page[0];
        if (record === undefined) continue;
        const key = keyColumns.map((name, index) => `${name}=${String(record[index] ?? 'NULL')}`).join(', ');
        const bytes = String(record[keyColumns.length] ?? '?');
        return new QuperSyncError(
          'ROW_TOO_LARGE',
          'permanent',
          `job ${job.name}: the row with key (${key}) is ${bytes} bytes, above the Data API's ` +
            `${limit}-byte row limit (REDSHIFT_MAX_ROW_BYTES); exclude or cast its large columns, ` +
            'or extract it another way',
        );
      }
    } catch {
      // The probe is a courtesy; the failure below still says what happened.
    }
    return unknown;
  }

  /**
   * The run's fixed upper bound, read once before any data, so rows committed later wait for the
   * next run: MAX(watermark), or with a settle window min(MAX(watermark), GETDATE() - settle) by
   * the warehouse's own clock, so rows of transactions still open there are not passed over.
   *
   * Only values at or above `from` (the stored cursor's watermark, or the lookback's start) are
   * read: the run reads no row below it, so the bound is the same for every row it does read (and
   * NULL, nothing to read, when no value reaches it). On a sort key that is a range-restricted
   * scan of the newest blocks, not of the table: a no-op run costs what the new data costs.
   */
  private async readUpperBound(
    job: JobDefinition,
    source: string,
    watermark: BatchColumn,
    from: string | null,
    target: StatementTarget,
    stop: AbortSignal | undefined,
    statementName: string,
    runQuery: (query: Parameters<RedshiftDataGateway['runQuery']>[0]) => Promise<QueryResult>,
  ): Promise<string | null> {
    const column = `q.${quoteIdentifier(watermark.name)}`;
    const kind = job.settleMs > 0 ? temporalKindOf(watermark, 'settle', job.name) : undefined;
    const sourceNow = kind === undefined ? '' : ', CAST(GETDATE() AS VARCHAR) AS source_now';
    const parameters: Record<string, string> = {};
    let where = '';
    if (from !== null && from !== '') {
      parameters.watermark_from = from;
      where = ` WHERE ${column} >= CAST(:watermark_from AS ${castTypeOf(watermark)})`;
    }
    const result = await runQuery({
      signal: statementDeadline(job, stop),
      sql: `SELECT CAST(MAX(${column}) AS VARCHAR) AS upper_bound${sourceNow} FROM ${source} AS q${where}`,
      parameters,
      target,
      statementName: `${statementName}:upper-bound`,
    });
    let upper: string | null = null;
    let now: string | null = null;
    for await (const page of result.pages()) {
      const [value, clock] = page[0] ?? [];
      if (value !== undefined && value !== null) upper = String(value);
      if (clock !== undefined && clock !== null) now = String(clock);
    }
    if (kind === undefined || upper === null) return upper;
    if (now === null)
      throw new QuperSyncError('SOURCE_STATEMENT_FAILED', 'permanent', 'GETDATE() returned no value');
    // GETDATE() is UTC without an offset; written as a value of the watermark's own type.
    const settled = shiftBack(kind === 'timestamptz' ? `${now}+00` : now, kind, job.settleMs);
    return earlierOf(upper, settled, kind);
  }
}

const maxBatchesInFlight = 4;

/**
 * A single scan's statements are sized by the result-size limit alone; this only keeps one from
 * asking for more rows than any sensible statement holds.
 */
const singleScanMaxRows = 10_000_000;

/** Keys per statement of a keyed run at most (each is a bound parameter). */
const maxKeysPerStatement = 500;

/** SQL characters a keyed statement may take: the Data API refuses more than 100,000. */
const maxKeyedSqlLength = 90_000;

/**
 * Keys per statement that keep its SQL under maxKeyedSqlLength (wide composite keys and long
 * column lists spend more characters per key, and parameter names lengthen with the index):
 * estimated from one and two keys, then checked on the run's own keys and cut until it fits.
 */
export function keysFittingStatement(
  keys: readonly (readonly string[])[],
  build: (keys: readonly (readonly string[])[]) => { sql: string },
): number {
  const first = keys[0];
  if (first === undefined) return 1;
  const one = build([first]).sql.length;
  const perKey = Math.max(1, build([first, first]).sql.length - one);
  let fitting = Math.max(
    1,
    Math.min(maxKeysPerStatement, Math.floor((maxKeyedSqlLength - (one - perKey)) / perKey)),
  );
  const sample = Array.from(
    { length: maxKeysPerStatement },
    (_, index) => keys[index % keys.length] ?? first,
  );
  while (fitting > 1 && build(sample.slice(0, fitting)).sql.length > maxKeyedSqlLength)
    fitting = Math.floor(fitting * 0.95);
  return fitting;
}

/**
 * The job's statement_timeout as an abort signal: the gateway stops waiting, cancels the
 * statement (CancelStatement) and fails it, so a statement stuck in the warehouse ends the
 * extraction with a reason instead of holding the run until the stall timeout. `stop` (the run
 * has ended) aborts it too.
 */
function statementDeadline(job: JobDefinition, stop: AbortSignal | undefined): AbortSignal {
  const controller = new AbortController();
  const limitMs = job.source.statementTimeoutMs;
  const timer = setTimeout(
    () => controller.abort(new Error(`the job's source.statement_timeout (${limitMs} ms) passed`)),
    limitMs,
  );
  timer.unref();
  // The run ending (ExtractionRegistry) cancels the statement as its deadline would.
  return stop === undefined ? controller.signal : AbortSignal.any([controller.signal, stop]);
}
/**
 * How a column with `source.columns: { <name>: { as: text } }` is read: spatial types as EWKT
 * (Redshift has no cast of them to text), everything else cast to VARCHAR.
 */
function textExpression(column: SourceColumn): string {
  const value = `q.${quoteIdentifier(column.name)}`;
  return /^(geometry|geography)$/i.test(column.typeName.trim())
    ? `ST_AsEWKT(${value})`
    : `CAST(${value} AS VARCHAR(65535))`;
}

/** The column's kind, or a failure that names the column, its type and the way through. */
function kindOrWayOut(job: JobDefinition, column: SourceColumn): BatchColumn['kind'] {
  try {
    return columnKindOf(column.typeName);
  } catch (error) {
    if (!(error instanceof QuperSyncError)) throw error;
    throw new QuperSyncError(
      'SOURCE_STATEMENT_FAILED',
      'permanent',
      `job ${job.name}: column ${column.name} has type ${column.typeName}, which has no exact mapping; ` +
        `say how to read it: source.columns: { ${column.name}: { as: text } } (or { as: exclude })`,
    );
  }
}

/** One run reads at most this many NULL-key rows (they come in one unordered statement). */
const maxNullKeyRows = 100_000;

/**
 * An attempt id that sorts by start time: 13 digits of milliseconds, then a UUID. A redelivered
 * request starts after the attempt it replaces, so the newer attempt compares greater and the
 * fence lets only its batches write.
 */
export function newExtractionId(nowMs: number): string {
  return `${Math.trunc(nowMs).toString().padStart(13, '0')}-${randomUUID()}`;
}

/**
 * Keeps the next page's request in flight while the current page is processed, so the Data
 * API's paging latency overlaps with converting, encoding and publishing.
 */
export async function* prefetched<Item>(source: AsyncIterable<Item>): AsyncGenerator<Item> {
  const iterator = source[Symbol.asyncIterator]();
  let next = iterator.next();
  for (;;) {
    const current = await next;
    if (current.done === true) return;
    next = iterator.next();
    // Awaited on the next turn; the catch only keeps a failure from going unhandled meanwhile.
    next.catch(() => undefined);
    yield current.value;
  }
}

/** The manifest's files in at most `maxParts` parts of consecutive files, as even as they come. */
export function groupIntoParts<Entry>(entries: readonly Entry[], maxParts: number): Entry[][] {
  const parts = Math.min(entries.length, maxParts);
  const groups: Entry[][] = Array.from({ length: parts }, () => []);
  entries.forEach((entry, index) => groups[Math.floor((index * parts) / entries.length)]?.push(entry));
  return groups;
}

function requireTable(job: JobDefinition): NonNullable<JobDefinition['source']['table']> {
  if (job.source.table === undefined)
    throw new QuperSyncError('MESSAGE_INVALID', 'permanent', `job ${job.name} has no source table`);
  return job.source.table;
}

function parseCursor(text: string, length: number): string[] {
  const parsed: unknown = JSON.parse(text);
  if (
    !Array.isArray(parsed) ||
    parsed.length !== length ||
    !parsed.every((value): value is string => typeof value === 'string')
  ) {
    throw new QuperSyncError(
      'MESSAGE_INVALID',
      'permanent',
      `cursor ${text} does not fit ${length} key columns`,
    );
  }
  return parsed;
}

function cursorText(value: ExactValue): string {
  if (value === null)
    throw new QuperSyncError('ROW_INVALID', 'permanent', 'a key or watermark column is NULL');
  if (Buffer.isBuffer(value)) return value.toString('hex');
  return typeof value === 'string' ? value : String(value);
}

function jobVersionHeaders(jobVersion: string | null): Record<string, string> {
  return jobVersion === null ? {} : { [batchHeaderNames.jobVersion]: jobVersion };
}
