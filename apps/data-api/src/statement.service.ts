// The Data API operations of the local endpoint: statements are accepted at once, run in the
// background with the real status lifecycle (SUBMITTED -> PICKED -> STARTED -> FINISHED |
// FAILED | ABORTED), and their results are served in bounded pages. Memory stays bounded:
// statement descriptions are capped, results are dropped once read, after a TTL, or (least
// recently read first) when too many are waiting.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { z } from 'zod';
import {
  foldDelimitedIdentifiers,
  translateCollateFunction,
  translateNamedPlaceholders,
} from '@qupersync/redshift';
import { JsonLogger } from '@qupersync/observability';
import { caseInsensitiveCollation } from './system-catalog.sql';
import { DATA_API_OPTIONS, type DataApiOptions } from './data-api.options';
import { DataApiError, statementNotFound, validationError } from './data-api.error';
import { FaultInjector } from './fault.injector';
import { encodeField, estimatedFieldBytes, type FieldEncoding, toCsvValue } from './redshift-type.mapping';
import { rowBytes, StatementExecutor, type WireColumnMetadata } from './statement.executor';
import type { StoredResult, TextRow } from './stored-result';
import { UnloadExecutor } from './unload.executor';
import { isUnloadStatement, parseUnloadStatement, type UnloadStatement } from '@qupersync/redshift';
import { WarehousePool } from './warehouse.pool';

export type StatementStatus = 'SUBMITTED' | 'PICKED' | 'STARTED' | 'FINISHED' | 'FAILED' | 'ABORTED';
type ResultFormat = 'JSON' | 'CSV';

interface StatementRecord {
  readonly id: string;
  readonly queryString: string;
  readonly parameters: readonly { name: string; value: string }[] | undefined;
  readonly database: string;
  readonly workgroupName: string | undefined;
  readonly clusterIdentifier: string | undefined;
  readonly secretArn: string | undefined;
  readonly dbUser: string | undefined;
  readonly statementName: string | undefined;
  readonly resultFormat: ResultFormat;
  readonly clientToken: string | undefined;
  readonly queryId: number;
  readonly createdAt: Date;
  status: StatementStatus;
  updatedAt: Date;
  error: string | undefined;
  startedAt: bigint | undefined;
  durationNs: number;
  hasResultSet: boolean;
  resultRows: number;
  resultSize: number;
  processId: number;
  cancelRequested: boolean;
  columns: readonly WireColumnMetadata[];
  encodings: readonly FieldEncoding[];
  result: StoredResult | undefined;
  resultGoneReason: string | undefined;
  lastReadAt: number;
  /** The last page, kept after the result is released so a retried last request still succeeds. */
  finalPage: { readonly offset: number; readonly format: ResultFormat; readonly body: object } | undefined;
}

const optionalName = z.string().min(1).max(2048).optional();

const executeStatementInput = z.object({
  Sql: z.string({ required_error: 'Sql is required' }).min(1, 'Sql must not be empty'),
  Database: z.string({ required_error: 'Database is required' }).min(1),
  WorkgroupName: optionalName,
  ClusterIdentifier: optionalName,
  SecretArn: optionalName,
  DbUser: optionalName,
  Parameters: z
    .array(
      z.object({ name: z.string().regex(/^[0-9a-zA-Z_]+$/, 'invalid parameter name'), value: z.string() }),
    )
    .min(1)
    .optional(),
  ResultFormat: z.enum(['JSON', 'CSV']).optional(),
  ClientToken: z.string().min(1).max(64).optional(),
  StatementName: z.string().max(500).optional(),
  WithEvent: z.boolean().optional(),
  SessionId: z.string().optional(),
  SessionKeepAliveSeconds: z.number().optional(),
});

const statementIdInput = z.object({ Id: z.string({ required_error: 'Id is required' }).min(1) });
const describeStatementInput = statementIdInput.extend({
  WaitTimeSeconds: z.number().int().min(0).max(30).optional(),
});
const resultInput = statementIdInput.extend({ NextToken: z.string().min(1).optional() });
const listStatementsInput = z.object({
  MaxResults: z.number().int().min(0).max(100).optional(),
  NextToken: z.string().min(1).optional(),
  RoleLevel: z.boolean().optional(),
  StatementName: z.string().optional(),
  Status: z.enum(['SUBMITTED', 'PICKED', 'STARTED', 'FINISHED', 'ABORTED', 'FAILED', 'ALL']).optional(),
  Database: z.string().optional(),
  ClusterIdentifier: z.string().optional(),
  WorkgroupName: z.string().optional(),
});
const pageToken = z.object({ s: z.string(), o: z.number().int().min(0) });

function parseInput<Output>(schema: z.ZodType<Output, z.ZodTypeDef, unknown>, input: unknown): Output {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map(
    (issue) => `${issue.path.join('.') || 'request'}: ${issue.message}`,
  );
  throw validationError(`${problems.length} validation error(s) detected: ${problems.join('; ')}`);
}

const epochSeconds = (date: Date): number => date.getTime() / 1000;
const isActive = (status: StatementStatus): boolean =>
  status === 'SUBMITTED' || status === 'PICKED' || status === 'STARTED';

/** Caps how many statements run on the warehouse at once; the rest wait in SUBMITTED. */
class Slots {
  private free: number;
  private readonly waiting: (() => void)[] = [];

  constructor(size: number) {
    this.free = size;
  }

  async acquire(): Promise<void> {
    if (this.free > 0) {
      this.free -= 1;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    if (next === undefined) this.free += 1;
    else next();
  }
}

@Injectable()
export class StatementService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new JsonLogger(StatementService.name);
  private readonly statements = new Map<string, StatementRecord>();
  private readonly idsByClientToken = new Map<string, string>();
  /** Records holding an unread result, in no particular order; the least recently read is evicted first. */
  private readonly holders = new Set<StatementRecord>();
  private readonly running = new Set<Promise<void>>();
  private readonly slots: Slots;
  private sweeper: NodeJS.Timeout | undefined;
  // RedshiftQueryId keys this endpoint's stl_scan rows, which outlive the process: ids start
  // from the clock so that a restarted endpoint (or a second one) does not reuse them.
  private nextQueryId = Date.now() * 1000;

  constructor(
    @Inject(DATA_API_OPTIONS) private readonly options: DataApiOptions,
    private readonly executor: StatementExecutor,
    private readonly warehouse: WarehousePool,
    private readonly faults: FaultInjector,
    private readonly unloader: UnloadExecutor,
  ) {
    this.slots = new Slots(options.maxConcurrentStatements);
  }

  onModuleInit(): void {
    const every = Math.max(
      100,
      Math.min(30_000, Math.floor(Math.min(this.options.resultTtlMs, this.options.finalPageTtlMs) / 2)),
    );
    this.sweeper = setInterval(() => {
      this.sweep().catch((error: unknown) =>
        this.logger.warn('result sweep failed', { error: String(error) }),
      );
    }, every);
    this.sweeper.unref();
  }

  async onModuleDestroy(): Promise<void> {
    if (this.sweeper !== undefined) clearInterval(this.sweeper);
    for (const record of this.statements.values()) {
      if (record.status === 'STARTED') {
        record.cancelRequested = true;
        await this.warehouse.cancelBackend(record.processId).catch(() => undefined);
      }
    }
    await Promise.allSettled([...this.running]);
    await Promise.allSettled(
      [...this.holders].map((record) => this.dropResult(record, 'the endpoint shut down')),
    );
  }

  async dispatch(operation: string, input: unknown): Promise<object> {
    switch (operation) {
      case 'ExecuteStatement':
        return this.executeStatement(input);
      case 'DescribeStatement':
        return this.describeStatement(input);
      case 'GetStatementResult':
        return this.getStatementResult(input, 'JSON');
      case 'GetStatementResultV2':
        return this.getStatementResult(input, 'CSV');
      case 'CancelStatement':
        return this.cancelStatement(input);
      case 'ListStatements':
        return this.listStatements(input);
      default:
        throw new DataApiError(
          'UnknownOperationException',
          `The local Data API endpoint does not implement ${operation}`,
        );
    }
  }

  private executeStatement(input: unknown): object {
    const request = parseInput(executeStatementInput, input);
    if ((request.WorkgroupName === undefined) === (request.ClusterIdentifier === undefined)) {
      throw validationError('Either WorkgroupName or ClusterIdentifier must be specified, but not both');
    }
    if (request.SecretArn !== undefined && request.DbUser !== undefined) {
      throw validationError('Specify either SecretArn or DbUser, not both');
    }
    if (
      request.ClusterIdentifier !== undefined &&
      request.SecretArn === undefined &&
      request.DbUser === undefined
    ) {
      throw validationError('Either SecretArn or DbUser must be specified for a cluster');
    }
    if (request.SessionId !== undefined || request.SessionKeepAliveSeconds !== undefined) {
      throw validationError('Sessions are not supported by the local Data API endpoint');
    }
    if (request.Sql.length > this.options.maxSqlLength) {
      throw validationError(`Sql is longer than ${this.options.maxSqlLength} characters`);
    }
    const names = translateNamedPlaceholders(request.Sql).names;
    const given = new Set((request.Parameters ?? []).map((parameter) => parameter.name));
    if (given.size !== (request.Parameters ?? []).length)
      throw validationError('Parameters contain a duplicate name');
    const missing = names.filter((name) => !given.has(name));
    if (missing.length > 0) throw validationError(`No value for parameter(s): ${missing.join(', ')}`);
    // The Data API refuses zero-length values (SqlParameter.value has a minimum length of 1).
    const empty = (request.Parameters ?? []).filter((parameter) => parameter.value.length === 0);
    if (empty.length > 0)
      throw validationError(
        `1 validation error detected: Value at 'parameters.${empty[0]?.name ?? ''}.value' failed to satisfy constraint: Member must have length greater than or equal to 1`,
      );

    if (request.ClientToken !== undefined) {
      const existing = this.statements.get(this.idsByClientToken.get(request.ClientToken) ?? '');
      if (existing !== undefined) return this.executeResponse(existing);
    }
    const active = [...this.statements.values()].filter((record) => isActive(record.status)).length;
    if (active >= this.options.maxActiveStatements) {
      throw new DataApiError(
        'ActiveStatementsExceededException',
        `Active statements exceeded the allowed quota (${this.options.maxActiveStatements})`,
      );
    }
    const now = new Date();
    const record: StatementRecord = {
      id: randomUUID(),
      queryString: request.Sql,
      parameters: request.Parameters,
      database: request.Database,
      workgroupName: request.WorkgroupName,
      clusterIdentifier: request.ClusterIdentifier,
      secretArn: request.SecretArn,
      dbUser: request.DbUser,
      statementName: request.StatementName,
      resultFormat: request.ResultFormat ?? 'JSON',
      clientToken: request.ClientToken,
      queryId: this.nextQueryId++,
      createdAt: now,
      status: 'SUBMITTED',
      updatedAt: now,
      error: undefined,
      startedAt: undefined,
      durationNs: -1,
      hasResultSet: false,
      resultRows: -1,
      resultSize: -1,
      processId: 0,
      cancelRequested: false,
      columns: [],
      encodings: [],
      result: undefined,
      resultGoneReason: undefined,
      lastReadAt: Date.now(),
      finalPage: undefined,
    };
    this.statements.set(record.id, record);
    if (record.clientToken !== undefined) this.idsByClientToken.set(record.clientToken, record.id);
    this.forgetOldStatements();
    const run = this.run(record)
      .catch((error: unknown) =>
        this.finish(record, 'FAILED', error instanceof Error ? error.message : String(error)),
      )
      .finally(() => this.running.delete(run));
    this.running.add(run);
    return this.executeResponse(record);
  }

  private executeResponse(record: StatementRecord): object {
    return {
      Id: record.id,
      CreatedAt: epochSeconds(record.createdAt),
      Database: record.database,
      ...(record.workgroupName === undefined ? {} : { WorkgroupName: record.workgroupName }),
      ...(record.clusterIdentifier === undefined ? {} : { ClusterIdentifier: record.clusterIdentifier }),
      ...(record.secretArn === undefined ? {} : { SecretArn: record.secretArn }),
      ...(record.dbUser === undefined ? {} : { DbUser: record.dbUser }),
    };
  }

  private async run(record: StatementRecord): Promise<void> {
    const queueDelayMs = this.faults.queueDelayFor(record.queryString);
    if (queueDelayMs > 0) await sleep(queueDelayMs);
    await this.slots.acquire();
    try {
      if (record.status !== 'SUBMITTED') return;
      this.transition(record, 'PICKED');
      const injected = this.faults.takeStatementFailure(record.queryString);
      if (injected !== undefined) {
        this.markStarted(record, 0);
        this.finish(record, 'FAILED', injected);
        return;
      }
      if (isUnloadStatement(record.queryString)) {
        await this.runUnload(record);
        return;
      }
      // As strict as Redshift: every parameter is a VARCHAR there, and Redshift compares a number
      // with a string as text (id > '999' skips ids). Bound as varchar here, such an uncast
      // comparison fails outright instead of passing on PostgreSQL's type inference.
      // Delimited identifiers fold to lower case first, as Redshift folds them.
      // Redshift's COLLATE(column, 'cs' | 'ci') function becomes PostgreSQL's COLLATE clause.
      const translated = translateNamedPlaceholders(
        translateCollateFunction(foldDelimitedIdentifiers(record.queryString), {
          caseSensitive: '"C"',
          caseInsensitive: caseInsensitiveCollation,
        }),
        { as: 'varchar' },
      );
      const values = translated.names.map(
        (name) => record.parameters?.find((parameter) => parameter.name === name)?.value ?? '',
      );
      const outcome = await this.executor.execute({
        statementId: record.id,
        text: translated.text,
        values,
        chunkRows: this.options.pageMaxRecords,
        onStarted: (processId) => this.markStarted(record, processId),
        isCancelRequested: () => record.cancelRequested,
        reserveRetainedSlot: () => this.makeRoomForResult(record),
      });
      switch (outcome.kind) {
        case 'failed':
          this.holders.delete(record);
          this.finish(record, 'FAILED', outcome.message);
          return;
        case 'aborted':
          this.holders.delete(record);
          this.finish(record, 'ABORTED', outcome.message);
          return;
        case 'finished': {
          const tooLarge = this.sizeLimitBreached(outcome.largestRowBytes, outcome.resultSize);
          if (tooLarge !== undefined) {
            await outcome.result?.release().catch(() => undefined);
            this.holders.delete(record);
            this.finish(record, 'FAILED', tooLarge);
            return;
          }
          await this.warehouse
            .recordScans(record.queryId, outcome.scans)
            .catch((error: unknown) => this.logger.warn('stl_scan not recorded', { error: String(error) }));
          record.hasResultSet = outcome.hasResultSet;
          record.resultRows = outcome.resultRows;
          record.resultSize = outcome.resultSize;
          record.columns = outcome.columns;
          record.encodings = outcome.encodings;
          if (outcome.result !== undefined) {
            await this.makeRoomForResult(record);
            record.result = outcome.result;
            record.lastReadAt = Date.now();
          }
          if (record.cancelRequested) {
            // The caller was told the statement is cancelled; keep that promise.
            await this.dropResult(record, 'the statement was cancelled');
            this.finish(record, 'ABORTED', 'Query cancelled');
            return;
          }
          this.finish(record, 'FINISHED', undefined);
          return;
        }
      }
    } finally {
      this.slots.release();
    }
  }

  /** UNLOAD: rows to S3 files (UnloadExecutor); the statement itself has no result set. */
  private async runUnload(record: StatementRecord): Promise<void> {
    let statement: UnloadStatement;
    try {
      statement = parseUnloadStatement(record.queryString);
    } catch (error) {
      this.markStarted(record, 0);
      this.finish(record, 'FAILED', `ERROR: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    const outcome = await this.unloader.execute({
      statement,
      queryId: record.queryId,
      query: translateCollateFunction(foldDelimitedIdentifiers(statement.query), {
        caseSensitive: '"C"',
        caseInsensitive: caseInsensitiveCollation,
      }),
      onStarted: (processId) => this.markStarted(record, processId),
      isCancelRequested: () => record.cancelRequested,
    });
    switch (outcome.kind) {
      case 'failed':
        this.finish(record, 'FAILED', outcome.message);
        return;
      case 'aborted':
        this.finish(record, 'ABORTED', outcome.message);
        return;
      case 'finished':
        record.hasResultSet = false;
        record.resultRows = outcome.rows;
        record.resultSize = 0;
        this.finish(record, 'FINISHED', undefined);
        return;
    }
  }

  /**
   * The Data API's two size limits (its troubleshooting page names both messages). A large
   * result's rows past the first chunk are checked as they are served (see getStatementResult).
   */
  private sizeLimitBreached(largestRowBytes: number, resultBytes: number): string | undefined {
    if (largestRowBytes > this.options.maxRowBytes)
      return packetTooLarge(largestRowBytes, this.options.maxRowBytes);
    if (resultBytes > this.options.maxResultBytes)
      return (
        `Database response exceeded size limit: the result is about ${resultBytes} bytes; ` +
        `the Data API returns at most ${this.options.maxResultBytes}`
      );
    return undefined;
  }

  private markStarted(record: StatementRecord, processId: number): boolean {
    if (record.status !== 'PICKED') return false;
    record.processId = processId;
    record.startedAt = process.hrtime.bigint();
    this.transition(record, 'STARTED');
    return true;
  }

  private transition(record: StatementRecord, status: StatementStatus): void {
    record.status = status;
    record.updatedAt = new Date();
  }

  private finish(
    record: StatementRecord,
    status: 'FINISHED' | 'FAILED' | 'ABORTED',
    error: string | undefined,
  ): void {
    if (!isActive(record.status)) return;
    record.durationNs =
      record.startedAt === undefined ? 0 : Number(process.hrtime.bigint() - record.startedAt);
    record.error = error;
    if (status !== 'FINISHED') {
      record.hasResultSet = false;
      record.resultRows = -1;
      record.resultSize = -1;
    }
    this.transition(record, status);
    // One line per statement; the SQL text is shortened and parameter values are never logged.
    this.logger.info('statement ended', {
      statementId: record.id,
      status,
      durationMs: Math.round(record.durationNs / 1e6),
      resultRows: record.resultRows,
      resultSize: record.resultSize,
      database: record.database,
      workgroupName: record.workgroupName,
      clusterIdentifier: record.clusterIdentifier,
      statementName: record.statementName,
      parameterCount: record.parameters?.length ?? 0,
      sql: record.queryString.length > 200 ? `${record.queryString.slice(0, 200)}…` : record.queryString,
      ...(error === undefined ? {} : { error }),
    });
  }

  private find(id: string): StatementRecord {
    const record = this.statements.get(id);
    if (record === undefined) throw statementNotFound(id);
    return record;
  }

  /** With WaitTimeSeconds, answers when the statement has ended or the wait has passed. */
  private async describeStatement(input: unknown): Promise<object> {
    const request = parseInput(describeStatementInput, input);
    const record = this.find(request.Id);
    const deadline = Date.now() + (request.WaitTimeSeconds ?? 0) * 1000;
    while (isActive(record.status) && Date.now() < deadline) await sleep(5);
    return {
      Id: record.id,
      Status: record.status,
      ...(record.error === undefined ? {} : { Error: record.error }),
      CreatedAt: epochSeconds(record.createdAt),
      UpdatedAt: epochSeconds(record.updatedAt),
      Duration: record.durationNs,
      HasResultSet: record.hasResultSet,
      QueryString: record.queryString,
      ...(record.parameters === undefined ? {} : { QueryParameters: record.parameters }),
      ResultRows: record.resultRows,
      ResultSize: record.resultSize,
      RedshiftPid: record.processId,
      RedshiftQueryId: record.queryId,
      ResultFormat: record.resultFormat,
      Database: record.database,
      ...(record.workgroupName === undefined ? {} : { WorkgroupName: record.workgroupName }),
      ...(record.clusterIdentifier === undefined ? {} : { ClusterIdentifier: record.clusterIdentifier }),
      ...(record.secretArn === undefined ? {} : { SecretArn: record.secretArn }),
      ...(record.dbUser === undefined ? {} : { DbUser: record.dbUser }),
    };
  }

  private async getStatementResult(input: unknown, format: ResultFormat): Promise<object> {
    const request = parseInput(resultInput, input);
    const record = this.find(request.Id);
    if (record.status !== 'FINISHED' || !record.hasResultSet) {
      throw new DataApiError(
        'ResourceNotFoundException',
        'Query does not have result. Please check query status with DescribeStatement.',
        { ResourceId: record.id },
      );
    }
    if (record.resultFormat !== format) {
      const operation = record.resultFormat === 'CSV' ? 'GetStatementResultV2' : 'GetStatementResult';
      throw validationError(`The statement's ResultFormat is ${record.resultFormat}; use ${operation}`);
    }
    const offset = request.NextToken === undefined ? 0 : this.parsePageToken(record.id, request.NextToken);
    if (
      record.finalPage !== undefined &&
      record.finalPage.offset === offset &&
      record.finalPage.format === format
    ) {
      return record.finalPage.body;
    }
    const result = record.result;
    if (result === undefined) {
      throw new DataApiError(
        'ResourceNotFoundException',
        `The result of query ${record.id} is no longer available: ${record.resultGoneReason ?? 'released'}`,
        {
          ResourceId: record.id,
        },
      );
    }
    record.lastReadAt = Date.now();
    let rows: TextRow[];
    try {
      rows = await result.readRows(offset, this.options.pageMaxRecords);
    } catch (error) {
      throw new DataApiError(
        'ResourceNotFoundException',
        `The result of query ${record.id} is no longer available: ${error instanceof Error ? error.message : String(error)}`,
        {
          ResourceId: record.id,
        },
      );
    }
    const page = this.trimToBudget(rows);
    const nextOffset = offset + page.length;
    const hasMore = nextOffset < result.totalRows;
    const common = {
      ColumnMetadata: record.columns,
      TotalNumRows: result.totalRows,
      ...(hasMore
        ? { NextToken: Buffer.from(JSON.stringify({ s: record.id, o: nextOffset })).toString('base64url') }
        : {}),
    };
    const body =
      format === 'JSON'
        ? {
            Records: page.map((row) =>
              row.map((value, index) => encodeField(record.encodings[index] ?? 'string', value)),
            ),
            ...common,
          }
        : {
            Records: [{ CSVRecords: this.toCsv(record, page, offset === 0) }],
            ResultFormat: 'CSV',
            ...common,
          };
    if (!hasMore) {
      await this.dropResult(record, 'the result was read to the end');
      record.finalPage = { offset, format, body };
    }
    return body;
  }

  /**
   * The rows of one page, within the page budget; a row above the Data API's row limit fails the
   * request. The limit is checked in exact UTF-8 bytes only for a row whose estimate could pass it
   * (at most 3 bytes per UTF-16 unit): counting the bytes of every value was a measurable share of
   * the endpoint's CPU.
   */
  private trimToBudget(rows: TextRow[]): TextRow[] {
    let bytes = 0;
    let kept = 0;
    for (const row of rows) {
      const estimated = row.reduce((sum, value) => sum + estimatedFieldBytes(value), 2);
      // A page always carries at least one record, or paging would never advance.
      if (kept > 0 && bytes + estimated > this.options.pageMaxBytes) break;
      if (estimated * 3 > this.options.maxRowBytes) {
        const exact = rowBytes(row);
        if (exact > this.options.maxRowBytes)
          throw validationError(packetTooLarge(exact, this.options.maxRowBytes));
      }
      bytes += estimated;
      kept += 1;
    }
    return kept === rows.length ? rows : rows.slice(0, kept);
  }

  private toCsv(record: StatementRecord, rows: TextRow[], withHeader: boolean): string {
    const lines = rows.map((row) => row.map(toCsvValue).join(','));
    if (withHeader) lines.unshift(record.columns.map((column) => toCsvValue(column.name)).join(','));
    return lines.map((line) => `${line}\n`).join('');
  }

  private parsePageToken(statementId: string, token: string): number {
    let decoded: unknown;
    try {
      decoded = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    } catch {
      throw validationError('Invalid NextToken');
    }
    const parsed = pageToken.safeParse(decoded);
    if (!parsed.success || parsed.data.s !== statementId) throw validationError('Invalid NextToken');
    return parsed.data.o;
  }

  private async cancelStatement(input: unknown): Promise<object> {
    const record = this.find(parseInput(statementIdInput, input).Id);
    switch (record.status) {
      case 'FINISHED':
      case 'FAILED':
      case 'ABORTED':
        throw validationError(
          `Could not cancel a query that is already in ${record.status} state with ID: ${record.id}`,
        );
      case 'SUBMITTED':
      case 'PICKED':
        record.cancelRequested = true;
        this.finish(record, 'ABORTED', 'Query cancelled');
        return { Status: true };
      case 'STARTED':
        record.cancelRequested = true;
        await this.warehouse.cancelBackend(record.processId);
        return { Status: true };
    }
  }

  private listStatements(input: unknown): object {
    const request = parseInput(listStatementsInput, input);
    // Like the real service, only finished statements unless a status (or ALL) is asked for.
    const status = request.Status ?? 'FINISHED';
    const matching = [...this.statements.values()]
      .filter((record) => status === 'ALL' || record.status === status)
      .filter(
        (record) =>
          request.StatementName === undefined ||
          (record.statementName ?? '').startsWith(request.StatementName),
      )
      .filter((record) => request.Database === undefined || record.database === request.Database)
      .filter(
        (record) =>
          request.ClusterIdentifier === undefined || record.clusterIdentifier === request.ClusterIdentifier,
      )
      .filter(
        (record) => request.WorkgroupName === undefined || record.workgroupName === request.WorkgroupName,
      )
      .reverse();
    const start = request.NextToken === undefined ? 0 : this.parseListToken(request.NextToken);
    const size = request.MaxResults === undefined || request.MaxResults === 0 ? 100 : request.MaxResults;
    const page = matching.slice(start, start + size);
    return {
      Statements: page.map((record) => ({
        Id: record.id,
        QueryString: record.queryString,
        Status: record.status,
        CreatedAt: epochSeconds(record.createdAt),
        UpdatedAt: epochSeconds(record.updatedAt),
        IsBatchStatement: false,
        ResultFormat: record.resultFormat,
        ...(record.statementName === undefined ? {} : { StatementName: record.statementName }),
        ...(record.secretArn === undefined ? {} : { SecretArn: record.secretArn }),
        ...(record.parameters === undefined ? {} : { QueryParameters: record.parameters }),
      })),
      ...(start + size < matching.length
        ? { NextToken: Buffer.from(String(start + size)).toString('base64url') }
        : {}),
    };
  }

  private parseListToken(token: string): number {
    const offset = Number(Buffer.from(token, 'base64url').toString('utf8'));
    if (!Number.isInteger(offset) || offset < 0) throw validationError('Invalid NextToken');
    return offset;
  }

  /** Claims a place among the retained results, evicting the least recently read one if full. */
  private async makeRoomForResult(record: StatementRecord): Promise<void> {
    while (this.holders.size >= this.options.maxRetainedResults && !this.holders.has(record)) {
      let oldest: StatementRecord | undefined;
      for (const holder of this.holders)
        if (oldest === undefined || holder.lastReadAt < oldest.lastReadAt) oldest = holder;
      if (oldest === undefined) break;
      this.logger.warn('unread result evicted', {
        statementId: oldest.id,
        retainedResults: this.holders.size,
      });
      await this.dropResult(oldest, 'evicted because too many results were waiting to be read');
    }
    this.holders.add(record);
  }

  private async dropResult(record: StatementRecord, reason: string): Promise<void> {
    this.holders.delete(record);
    const result = record.result;
    record.result = undefined;
    record.resultGoneReason = reason;
    if (result !== undefined) await result.release();
  }

  private forgetOldStatements(): void {
    if (this.statements.size <= this.options.maxStatementRecords) return;
    // Map iteration follows insertion, i.e. creation order: the oldest finished go first.
    for (const record of this.statements.values()) {
      if (this.statements.size <= this.options.maxStatementRecords) break;
      if (isActive(record.status)) continue;
      this.statements.delete(record.id);
      if (record.clientToken !== undefined) this.idsByClientToken.delete(record.clientToken);
      void this.dropResult(record, 'forgotten');
    }
  }

  private async sweep(): Promise<void> {
    const now = Date.now();
    const expiredBefore = now - this.options.resultTtlMs;
    for (const record of [...this.holders]) {
      if (record.lastReadAt < expiredBefore) await this.dropResult(record, 'expired unread');
    }
    // Measured: with final pages kept as long as unread results, a 10M-row bench left ~300 of
    // them (up to 1 MiB each) in memory, and the endpoint's peak RSS grew with the table.
    const finalPageExpiredBefore = now - this.options.finalPageTtlMs;
    for (const record of this.statements.values()) {
      if (record.finalPage !== undefined && record.lastReadAt < finalPageExpiredBefore)
        record.finalPage = undefined;
    }
  }
}

function packetTooLarge(rowBytes: number, limit: number): string {
  return `Packet for query is too large: a result row of ${rowBytes} bytes; the Data API allows ${limit} bytes per row`;
}
