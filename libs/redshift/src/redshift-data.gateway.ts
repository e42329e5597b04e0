// The one injectable door to the Redshift Data API for the extractor: run a statement, wait for
// it, and hand its result out page by page. It owns the retry policy (the SDK's own retries are
// switched off so attempts are not multiplied and every wait is ours and logged).
import { randomUUID } from 'node:crypto';
import { setTimeout as sleepFor } from 'node:timers/promises';
import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import {
  CancelStatementCommand,
  DescribeStatementCommand,
  type DescribeStatementResponse,
  ExecuteStatementCommand,
  type ColumnMetadata,
  GetStatementResultCommand,
  GetStatementResultV2Command,
  RedshiftDataClient,
} from '@aws-sdk/client-redshift-data';
import { QuperSyncError } from '@qupersync/contracts';
import {
  type BackoffSettings,
  backoffDelayMs,
  classifyDataApiFailure,
  nextPollIntervalMs,
} from './data-api.retry-policy';
import { CsvRecordsError, parseCsvRecords } from './csv-records.parser';
import { type QueryResult, type SourceRecord, toSourceColumn, toSourceValue } from './source-record';
import { findNamedPlaceholders } from './sql-placeholder.translator';
import type { RedshiftEnvironment, StatementTarget } from './statement.target';

export interface QueryRequest {
  readonly sql: string;
  /** Values for `:name` placeholders. The Data API takes strings only and no NULL. */
  readonly parameters?: Readonly<Record<string, string>>;
  readonly target: StatementTarget;
  /** Shown by ListStatements; handy to find a run's statements. */
  readonly statementName?: string;
  /** Stops waiting (and cancels the statement, best effort) when aborted. */
  readonly signal?: AbortSignal;
  /**
   * JSON (default): a Field union per value. CSV: GetStatementResultV2 pages of CSV text, far
   * cheaper to fetch and parse; every value then arrives as text (see parseCsvRecords), and a
   * first record equal to the column names is taken for a header and dropped.
   */
  readonly resultFormat?: ResultFormat;
}

export type ResultFormat = 'JSON' | 'CSV';

/** One GetStatementResult(V2) page, whichever format it came in. */
interface ResultPage {
  readonly columns: readonly ColumnMetadata[];
  readonly totalRows: number;
  readonly records: SourceRecord[];
  readonly nextToken: string | undefined;
}

export interface RedshiftDataGatewayOptions {
  readonly environment: RedshiftEnvironment;
  /** A prepared client (tests); otherwise one is built from the environment. */
  readonly client?: RedshiftDataClient;
  /** Attempts per API call before a transient failure is given up; default 8. */
  readonly maxAttempts?: number;
  /** Default 100 ms doubling to at most 5 s. */
  readonly backoff?: BackoffSettings;
  /** DescribeStatement polling starts at REDSHIFT_POLL_INTERVAL_MS and grows to this; default 2 s. */
  readonly maxPollIntervalMs?: number;
  readonly sleep?: (milliseconds: number, signal?: AbortSignal) => Promise<void>;
  readonly random?: () => number;
}

export const REDSHIFT_GATEWAY_OPTIONS = Symbol('REDSHIFT_GATEWAY_OPTIONS');

const defaultBackoff: BackoffSettings = { baseDelayMs: 100, maxDelayMs: 5_000 };

// A custom endpoint outside amazonaws.com is the local Data API endpoint, which does not check
// signatures; it gets fixed credentials so a developer machine needs no AWS profile.
const localEndpointCredentials = { accessKeyId: 'qupersync-local', secretAccessKey: 'qupersync-local' };

export function createRedshiftDataClient(environment: RedshiftEnvironment): RedshiftDataClient {
  const endpoint = environment.REDSHIFT_DATA_API_ENDPOINT;
  const isLocal = endpoint !== undefined && !/\.amazonaws\.com(\.cn)?$/i.test(new URL(endpoint).hostname);
  return new RedshiftDataClient({
    region: environment.AWS_REGION,
    maxAttempts: 1,
    ...(endpoint === undefined ? {} : { endpoint }),
    ...(isLocal ? { credentials: localEndpointCredentials } : {}),
  });
}

function defaultSleep(milliseconds: number, signal?: AbortSignal): Promise<void> {
  return sleepFor(milliseconds, undefined, signal === undefined ? undefined : { signal });
}

@Injectable()
export class RedshiftDataGateway implements OnModuleDestroy {
  private readonly logger = new Logger(RedshiftDataGateway.name);
  private readonly client: RedshiftDataClient;
  private readonly maxAttempts: number;
  private readonly backoff: BackoffSettings;
  private readonly firstPollIntervalMs: number;
  private readonly maxPollIntervalMs: number;
  private readonly waitTimeSeconds: number;
  private readonly sleep: (milliseconds: number, signal?: AbortSignal) => Promise<void>;
  private readonly random: () => number;

  constructor(@Inject(REDSHIFT_GATEWAY_OPTIONS) options: RedshiftDataGatewayOptions) {
    this.client = options.client ?? createRedshiftDataClient(options.environment);
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 8);
    this.backoff = options.backoff ?? defaultBackoff;
    this.firstPollIntervalMs = options.environment.REDSHIFT_POLL_INTERVAL_MS;
    this.maxPollIntervalMs = Math.max(this.firstPollIntervalMs, options.maxPollIntervalMs ?? 2_000);
    this.waitTimeSeconds = options.environment.REDSHIFT_WAIT_TIME_SECONDS;
    this.sleep = options.sleep ?? defaultSleep;
    this.random = options.random ?? Math.random;
  }

  onModuleDestroy(): void {
    this.client.destroy();
  }

  /**
   * Executes `sql`, waits until it finished, and returns its columns and a lazy page iterator.
   * Throws QuperSyncError: SOURCE_STATEMENT_FAILED (permanent) with the API's message for a
   * FAILED/ABORTED statement or a rejected request; SOURCE_THROTTLED / SOURCE_UNAVAILABLE
   * (transient) when retries are exhausted.
   */
  async runQuery(request: QueryRequest): Promise<QueryResult> {
    const parameters = request.parameters ?? {};
    const missing = findNamedPlaceholders(request.sql).filter((name) => !Object.hasOwn(parameters, name));
    if (missing.length > 0) {
      throw new QuperSyncError(
        'SOURCE_STATEMENT_FAILED',
        'permanent',
        `no value for SQL parameter(s): ${missing.join(', ')}`,
      );
    }
    const { target } = request;
    // One token for every attempt: a retried ExecuteStatement whose first try did reach the
    // service returns the same statement instead of running the SQL twice.
    const clientToken = randomUUID();
    const parameterList = Object.entries(parameters).map(([name, value]) => ({ name, value }));
    const format = request.resultFormat ?? 'JSON';
    const executed = await this.call('ExecuteStatement', undefined, request.signal, () =>
      this.client.send(
        new ExecuteStatementCommand({
          ResultFormat: format,
          Sql: request.sql,
          Database: target.database,
          WorkgroupName: target.workgroupName,
          ClusterIdentifier: target.clusterIdentifier,
          SecretArn: target.secretArn,
          DbUser: target.dbUser,
          ClientToken: clientToken,
          StatementName: request.statementName,
          ...(parameterList.length === 0 ? {} : { Parameters: parameterList }),
        }),
      ),
    );
    const statementId = executed.Id;
    if (statementId === undefined) {
      throw new QuperSyncError(
        'SOURCE_UNAVAILABLE',
        'transient',
        'ExecuteStatement returned no statement id',
      );
    }
    const description = await this.waitUntilFinished(statementId, request.signal);
    if (!hasResultSet(description)) {
      return {
        statementId,
        columns: [],
        totalRows: 0,
        resultBytes: null,
        redshiftQueryId: queryIdOf(description),
        pages: () => emptyPages(),
      };
    }
    // The first page is fetched now because it carries the column metadata.
    const first = await this.fetchPage(format, statementId, undefined, request.signal);
    const columns = first.columns.map(toSourceColumn);
    if (format === 'CSV') dropHeaderRecord(first.records, columns);
    let iterated = false;
    return {
      statementId,
      columns,
      totalRows: first.totalRows,
      resultBytes:
        description.ResultSize === undefined || description.ResultSize < 0 ? null : description.ResultSize,
      redshiftQueryId: queryIdOf(description),
      pages: () => {
        if (iterated) {
          throw new QuperSyncError(
            'INTERNAL',
            'permanent',
            `the result of statement ${statementId} was already iterated`,
          );
        }
        iterated = true;
        return this.iteratePages(format, statementId, first, request.signal);
      },
    };
  }

  private async *iteratePages(
    format: ResultFormat,
    statementId: string,
    first: ResultPage,
    signal: AbortSignal | undefined,
  ): AsyncGenerator<SourceRecord[]> {
    let page = first;
    for (;;) {
      if (page.records.length > 0) yield page.records;
      const nextToken = page.nextToken;
      if (nextToken === undefined || nextToken === '') return;
      page = await this.fetchPage(format, statementId, nextToken, signal);
    }
  }

  private async fetchPage(
    format: ResultFormat,
    statementId: string,
    nextToken: string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<ResultPage> {
    if (format === 'JSON') {
      const page = await this.call('GetStatementResult', statementId, signal, () =>
        this.client.send(new GetStatementResultCommand({ Id: statementId, NextToken: nextToken })),
      );
      return {
        columns: page.ColumnMetadata ?? [],
        totalRows: page.TotalNumRows ?? 0,
        records: (page.Records ?? []).map((record) => record.map(toSourceValue)),
        nextToken: page.NextToken,
      };
    }
    const page = await this.call('GetStatementResultV2', statementId, signal, () =>
      this.client.send(new GetStatementResultV2Command({ Id: statementId, NextToken: nextToken })),
    );
    const columns = page.ColumnMetadata ?? [];
    const records: SourceRecord[] = [];
    try {
      for (const chunk of page.Records ?? []) {
        if (chunk.CSVRecords === undefined) continue;
        for (const record of parseCsvRecords(chunk.CSVRecords, columns.length)) records.push(record);
      }
    } catch (error) {
      if (!(error instanceof CsvRecordsError)) throw error;
      throw new QuperSyncError(
        'SOURCE_STATEMENT_FAILED',
        'permanent',
        `statement ${statementId}: unreadable CSV result: ${error.message}`,
      );
    }
    return { columns, totalRows: page.TotalNumRows ?? 0, records, nextToken: page.NextToken };
  }

  private async waitUntilFinished(
    statementId: string,
    signal: AbortSignal | undefined,
  ): Promise<DescribeStatementResponse> {
    let intervalMs = this.firstPollIntervalMs;
    const waitSeconds = this.waitTimeSeconds;
    for (;;) {
      if (signal?.aborted === true) await this.abandon(statementId, signal);
      const asked = performance.now();
      // With WaitTimeSeconds the service answers when the statement ends (or the wait passes):
      // one call instead of a poll every few milliseconds, and no poll interval added to each
      // statement's latency. The abort signal ends a held call at once.
      const description = await this.call('DescribeStatement', statementId, signal, () =>
        this.client.send(
          new DescribeStatementCommand({
            Id: statementId,
            ...(waitSeconds > 0 ? { WaitTimeSeconds: waitSeconds } : {}),
          }),
          signal === undefined ? {} : { abortSignal: signal },
        ),
      );
      const heldMs = performance.now() - asked;
      const status = description.Status;
      switch (status) {
        case 'FINISHED':
          this.logger.debug({
            message: 'statement finished',
            statementId,
            resultRows: description.ResultRows,
            durationMs: Math.round((description.Duration ?? 0) / 1e6),
          });
          return description;
        case 'FAILED':
        case 'ABORTED': {
          const message = description.Error ?? `statement ${statementId} ${status.toLowerCase()}`;
          this.logger.warn({ message: 'statement did not finish', statementId, status, error: message });
          throw new QuperSyncError('SOURCE_STATEMENT_FAILED', 'permanent', message);
        }
        case 'SUBMITTED':
        case 'PICKED':
        case 'STARTED':
        case undefined:
          break;
        case 'ALL':
          throw new QuperSyncError(
            'SOURCE_UNAVAILABLE',
            'transient',
            `DescribeStatement returned status ${status}`,
          );
      }
      // Still running after a held call: ask again at once. An answer that came back early
      // (a service that does not hold calls) falls back to polling with a growing interval.
      if (waitSeconds > 0 && heldMs >= (waitSeconds * 1000) / 2) continue;
      await this.pause(intervalMs, signal, statementId);
      intervalMs = nextPollIntervalMs(intervalMs, this.maxPollIntervalMs);
    }
  }

  private async pause(
    milliseconds: number,
    signal: AbortSignal | undefined,
    statementId: string | undefined,
  ): Promise<void> {
    try {
      await this.sleep(milliseconds, signal);
    } catch (error) {
      if (signal?.aborted === true && statementId !== undefined) await this.abandon(statementId, signal);
      throw error;
    }
  }

  private async abandon(statementId: string, signal: AbortSignal): Promise<never> {
    // Best effort: a statement left running only costs warehouse time, never correctness.
    await this.client.send(new CancelStatementCommand({ Id: statementId })).catch(() => undefined);
    throw new QuperSyncError(
      'SOURCE_STATEMENT_FAILED',
      'permanent',
      `statement ${statementId} abandoned: ${String(signal.reason)}`,
    );
  }

  private async call<T>(
    operation: string,
    statementId: string | undefined,
    signal: AbortSignal | undefined,
    send: () => Promise<T>,
  ): Promise<T> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await send();
      } catch (error) {
        // Aborted in the middle of a call (a held DescribeStatement): cancel the statement.
        if (signal?.aborted === true && statementId !== undefined) await this.abandon(statementId, signal);
        const failure = classifyDataApiFailure(error);
        switch (failure.kind) {
          case 'rejected':
            throw new QuperSyncError('SOURCE_STATEMENT_FAILED', 'permanent', failure.message, {
              cause: error,
            });
          case 'throttled':
          case 'unavailable': {
            const attempts = attempt + 1;
            if (attempts >= this.maxAttempts || signal?.aborted === true) {
              const code = failure.kind === 'throttled' ? 'SOURCE_THROTTLED' : 'SOURCE_UNAVAILABLE';
              this.logger.warn({
                message: 'Data API call gave up',
                operation,
                statementId,
                attempts,
                error: failure.message,
              });
              throw new QuperSyncError(code, 'transient', failure.message, { cause: error });
            }
            const delayMs = backoffDelayMs(attempt, this.backoff, this.random());
            this.logger.warn({
              message: 'Data API call will be retried',
              operation,
              statementId,
              attempts,
              delayMs,
              error: failure.message,
            });
            await this.pause(delayMs, signal, undefined);
          }
        }
      }
    }
  }
}

/**
 * Whether the statement has rows to fetch. The service's own recorded DescribeStatement answers
 * (AWS's documentation) leave HasResultSet out while ResultRows says 1; taking a missing field
 * for "no result" would end an extraction with no rows. So a missing HasResultSet defers to
 * ResultRows, and only an explicit false (or no row count at all) means there is nothing to fetch.
 */
function hasResultSet(description: DescribeStatementResponse): boolean {
  if (description.HasResultSet !== undefined) return description.HasResultSet;
  return description.ResultRows !== undefined && description.ResultRows >= 0;
}

function queryIdOf(description: DescribeStatementResponse): number | null {
  const id = description.RedshiftQueryId;
  return id === undefined || id <= 0 ? null : id;
}

async function* emptyPages(): AsyncGenerator<SourceRecord[]> {}

/**
 * A CSV result may start with a header record; it is the one whose every field is its column's
 * name. (The extractor's statements end in a NULL-flags column whose values never equal its
 * name, so a data record cannot be mistaken for it.)
 */
function dropHeaderRecord(records: SourceRecord[], columns: readonly { name: string }[]): void {
  const first = records[0];
  if (first !== undefined && first.every((value, index) => value === columns[index]?.name)) records.shift();
}
