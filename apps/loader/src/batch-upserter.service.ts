// Writes transformed batches into their target tables: COPY into the connection's staging table,
// then one INSERT ... ON CONFLICT per batch (or, when no key of the batch can be in the target
// yet, COPY straight into it), in one transaction per batch (or, for jobs with
// commit_per_batch: false, one transaction for several consecutive batches). A row the database
// rejects (too long, a constraint) is isolated by splitting the batch: the good rows load, the
// bad ones come back with the database's message. The target table is created from the batch
// schema when missing, and new source columns are added (or refused) per the job's policy.
import { Injectable } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { QualifiedName, quoteIdentifier, quoteQualifiedName, softDeletedColumn } from '@qupersync/config';
import { EncodedBatch, QuperSyncError } from '@qupersync/contracts';
import type { BatchRow, BatchSchema } from '@qupersync/contracts';
import {
  checkTargetColumn,
  describeTargetType,
  postgresTypeOf,
  TargetColumnType,
  toCopyText,
} from '@qupersync/entity';
import { JsonLogger } from '@qupersync/observability';
import { PostgresDatabase, upsertKeyProblem } from '@qupersync/postgres';
import { buildUpsertStatements, UpsertStatements } from './upsert-statement.builder';

export interface RejectedRow {
  readonly row: BatchRow;
  readonly reason: string;
}

export interface UpsertOutcome {
  readonly rowsWritten: number;
  readonly rejected: readonly RejectedRow[];
}

/** How the loader may change the target table (jobs file: create_target, schema_evolution). */
export interface TargetTablePolicy {
  readonly createTarget: boolean;
  readonly schemaEvolution: 'add_columns' | 'widen' | 'fail';
  /**
   * deletes: soft: the target has `_qupersync_deleted_at`, and a row the source has again (any
   * row a batch writes) gets NULL back there.
   */
  readonly softDeletes: boolean;
  /**
   * source.deleted_flag as the target names it: a row with it true is deleted (or stamped under
   * soft deletes) instead of upserted.
   */
  readonly deletedFlag: string | undefined;
}

export const defaultTargetTablePolicy: TargetTablePolicy = {
  createTarget: true,
  schemaEvolution: 'add_columns',
  softDeletes: false,
  deletedFlag: undefined,
};

/** What one transaction did with staging tables: created (remember after commit), holding rows. */
interface TransactionStaging {
  readonly created: Set<UpsertStatements>;
  readonly filled: Set<UpsertStatements>;
}

/** The run and extraction attempt a batch belongs to: it writes only while they are the active ones. */
export interface BatchFence {
  readonly runId: string;
  readonly extractionId: string;
}

export interface UpsertOptions {
  readonly policy?: TargetTablePolicy;
  /** Refused rows the batch may dead-letter; above it nothing of the batch commits. Default: no limit. */
  readonly maxRejectedRows?: number;
  /** Without one the batch writes unconditionally (tools and tests that load outside any run). */
  readonly fence?: BatchFence;
}

/**
 * A batch's rows: decoded, or the batch as it came off the topic (decoded only if a path needs
 * objects; COPY takes its text straight from the Avro bytes).
 */
export type BatchRows = readonly BatchRow[] | EncodedBatch;

function rowCountOf(rows: BatchRows): number {
  return rows instanceof EncodedBatch ? rows.rowCount : rows.length;
}

function rowsOf(rows: BatchRows): readonly BatchRow[] {
  return rows instanceof EncodedBatch ? rows.rows() : rows;
}

export interface BatchWrite {
  readonly target: QualifiedName;
  readonly schema: BatchSchema;
  readonly rows: BatchRows;
  readonly policy: TargetTablePolicy;
  readonly fence?: BatchFence;
}

const deadlockDetected = '40P01';

function sqlState(error: unknown): string | undefined {
  const code: unknown = error instanceof Error ? Reflect.get(error, 'code') : undefined;
  return typeof code === 'string' ? code : undefined;
}

/** SQLSTATE classes that blame the data of a row, not the database: 22 data exception, 23 integrity. */
export function isRowLevelError(error: unknown): boolean {
  const code = sqlState(error);
  return code !== undefined && (code.startsWith('22') || code.startsWith('23'));
}

@Injectable()
export class BatchUpserter {
  private readonly logger = new JsonLogger(BatchUpserter.name);
  /** Target tables known to have every column of a schema: `<table>|<columns>`. */
  private readonly preparedTables = new Map<string, readonly string[]>();
  private readonly statements = new Map<string, UpsertStatements>();
  private readonly stagingTables = new WeakMap<PoolClient, Set<string>>();

  constructor(private readonly database: PostgresDatabase) {}

  async upsert(
    target: QualifiedName,
    schema: BatchSchema,
    rows: BatchRows,
    options: UpsertOptions = {},
  ): Promise<UpsertOutcome> {
    const { policy = defaultTargetTablePolicy, maxRejectedRows = Number.POSITIVE_INFINITY, fence } = options;
    if (rowCountOf(rows) === 0) return { rowsWritten: 0, rejected: [] };
    await this.prepareTarget(target, schema, policy);
    const statements = this.statementsFor(target, schema, policy);
    try {
      return {
        rowsWritten: await this.inTransaction(async (client, staging) => {
          await claimFence(client, fence);
          return this.write(client, statements, schema, rows, staging);
        }),
        rejected: [],
      };
    } catch (error) {
      this.forgetDroppedTable(error, target);
      if (!isRowLevelError(error)) throw error;
      // Find the refused rows in one transaction, each half behind a savepoint: when more rows
      // are refused than the job allows, nothing of the batch is committed.
      return this.inTransaction(async (client, staging) => {
        await claimFence(client, fence);
        const outcome = await this.isolateRejectedRows(
          client,
          statements,
          schema,
          rowsOf(rows),
          staging,
          error,
        );
        const first = outcome.rejected[0];
        if (first !== undefined && outcome.rejected.length > maxRejectedRows) {
          // Transient: the target may be fixed (a constraint dropped, a column widened) before
          // the loader's retries run out; after them the batch, and the run, fail.
          throw new QuperSyncError(
            'TARGET_ROW_REJECTED',
            'transient',
            `${outcome.rejected.length} row(s) rejected by the target, above max_rejected_rows ${maxRejectedRows}; ` +
              `first: key ${describeKey(schema, first.row)}: ${first.reason}`,
          );
        }
        return outcome;
      });
    }
  }

  /**
   * Writes several batches in one transaction and returns the rows written per batch. Any error
   * rolls all of them back and is thrown: the caller then loads them one by one.
   */
  async upsertTogether(writes: readonly BatchWrite[]): Promise<number[]> {
    for (const write of writes) await this.prepareTarget(write.target, write.schema, write.policy);
    try {
      return await this.inTransaction(async (client, staging) => {
        const counts: number[] = [];
        for (const write of writes) {
          await claimFence(client, write.fence);
          const statements = this.statementsFor(write.target, write.schema, write.policy);
          counts.push(
            rowCountOf(write.rows) === 0
              ? 0
              : await this.write(client, statements, write.schema, write.rows, staging),
          );
        }
        return counts;
      });
    } catch (error) {
      for (const write of writes) this.forgetDroppedTable(error, write.target);
      throw error;
    }
  }

  private forgetDroppedTable(error: unknown, target: QualifiedName): void {
    if (sqlState(error) !== '42P01') return;
    // The target table was dropped since we prepared it: prepare it again on the next attempt.
    const prefix = `${quoteQualifiedName(target)}|`;
    for (const key of this.preparedTables.keys()) if (key.startsWith(prefix)) this.preparedTables.delete(key);
  }

  private async isolateRejectedRows(
    client: PoolClient,
    statements: UpsertStatements,
    schema: BatchSchema,
    rows: readonly BatchRow[],
    staging: TransactionStaging,
    error: unknown,
  ): Promise<UpsertOutcome> {
    const first = rows[0];
    if (rows.length === 1 && first !== undefined) {
      return { rowsWritten: 0, rejected: [{ row: first, reason: describeRejection(error) }] };
    }
    const middle = Math.ceil(rows.length / 2);
    let rowsWritten = 0;
    const rejected: RejectedRow[] = [];
    for (const half of [rows.slice(0, middle), rows.slice(middle)]) {
      const created = new Set(staging.created);
      await client.query('SAVEPOINT qupersync_rows');
      try {
        rowsWritten += await this.write(client, statements, schema, half, staging);
        await client.query('RELEASE SAVEPOINT qupersync_rows');
      } catch (halfError) {
        await client.query('ROLLBACK TO SAVEPOINT qupersync_rows');
        await client.query('RELEASE SAVEPOINT qupersync_rows');
        // A staging table created inside the savepoint is gone with it: create it again.
        for (const statements of staging.created)
          if (!created.has(statements)) staging.created.delete(statements);
        if (!isRowLevelError(halfError)) throw halfError;
        const outcome = await this.isolateRejectedRows(client, statements, schema, half, staging, halfError);
        rowsWritten += outcome.rowsWritten;
        rejected.push(...outcome.rejected);
      }
    }
    return { rowsWritten, rejected };
  }

  /** One transaction; the staging tables it created are remembered once it has committed. */
  private async inTransaction<Result>(
    work: (client: PoolClient, staging: TransactionStaging) => Promise<Result>,
  ): Promise<Result> {
    let usedClient: PoolClient | undefined;
    const staging: TransactionStaging = { created: new Set(), filled: new Set() };
    const result = await this.database.withTransaction((client) => {
      usedClient = client;
      return work(client, staging);
    });
    // Only a committed CREATE TEMP TABLE exists afterwards; a rolled-back one is issued again.
    if (usedClient !== undefined)
      for (const statements of staging.created) this.rememberStaging(usedClient, statements);
    return result;
  }

  private async write(
    client: PoolClient,
    statements: UpsertStatements,
    schema: BatchSchema,
    rows: BatchRows,
    staging: TransactionStaging,
  ): Promise<number> {
    const flagged =
      statements.deletedFlag !== null &&
      rowsOf(rows).some((row) => row[statements.deletedFlag ?? ''] === true);
    // A flagged row is deleted or stamped, which a COPY cannot do.
    if (!flagged && (await this.keysAreNew(client, statements, schema, rows))) {
      // No committed row shares a key with the batch, so the upsert could only insert: COPY
      // does that at full speed. A loader racing us into the same keys (or a key twice in the
      // batch) makes it fail; the savepoint undoes it and the upsert below takes over.
      await client.query('SAVEPOINT qupersync_copy');
      try {
        await copyRows(client, statements.copyIntoTarget, schema, rows);
        await client.query('RELEASE SAVEPOINT qupersync_copy');
        return rowCountOf(rows);
      } catch (error) {
        if (!isRowLevelError(error) && sqlState(error) !== deadlockDetected) throw error;
        await client.query('ROLLBACK TO SAVEPOINT qupersync_copy');
      }
    }
    if (!this.stagingTablesOf(client).has(statements.stagingTable) && !staging.created.has(statements)) {
      await client.query(statements.createStaging);
      staging.created.add(statements);
    }
    // Batches of one table in one transaction share its staging table: empty it between them.
    if (staging.filled.has(statements)) await client.query(`DELETE FROM ${statements.stagingTable}`);
    await copyRows(client, statements.copyIntoStaging, schema, rows);
    staging.filled.add(statements);
    const result = await client.query(statements.upsert);
    const deleted =
      flagged && statements.deleteFlagged !== null ? await client.query(statements.deleteFlagged) : null;
    return (result.rowCount ?? 0) + (deleted?.rowCount ?? 0);
  }

  /**
   * Whether no committed target row can share a key with the batch: the range of its (integer)
   * first key column is empty in the target, one index probe.
   */
  private async keysAreNew(
    client: PoolClient,
    statements: UpsertStatements,
    schema: BatchSchema,
    rows: BatchRows,
  ): Promise<boolean> {
    const probe = statements.keyRangeProbe;
    const key = schema.primaryKey[0];
    if (probe === null || key === undefined) return false;
    const range = firstKeyRange(key, rows);
    if (range === null) return false;
    const found = await client.query(probe, [range.low.toString(), range.high.toString()]);
    return found.rowCount === 0;
  }

  /** Staging tables live per connection (temp tables) and empty themselves at commit. */
  private stagingTablesOf(client: PoolClient): Set<string> {
    let tables = this.stagingTables.get(client);
    if (tables === undefined) {
      tables = new Set();
      this.stagingTables.set(client, tables);
    }
    return tables;
  }

  private rememberStaging(client: PoolClient, statements: UpsertStatements): void {
    this.stagingTablesOf(client).add(statements.stagingTable);
  }

  private statementsFor(
    target: QualifiedName,
    schema: BatchSchema,
    policy: TargetTablePolicy,
  ): UpsertStatements {
    const key = `${quoteQualifiedName(target)}|${String(policy.softDeletes)}|${policy.deletedFlag ?? ''}|${JSON.stringify(schema)}`;
    let statements = this.statements.get(key);
    if (statements === undefined) {
      statements = buildUpsertStatements(target, schema, {
        softDeletes: policy.softDeletes,
        ...(policy.deletedFlag === undefined ? {} : { deletedFlag: policy.deletedFlag }),
      });
      if (this.statements.size > 200) this.statements.clear();
      this.statements.set(key, statements);
    }
    return statements;
  }

  /**
   * Makes sure the target can take the batch exactly, before any row of it is written, and
   * returns the warnings to report on the run (cached per table and schema, like the checks):
   *  - a missing table is created with a primary key (create_target: true) or is refused;
   *  - an existing table needs a primary key or unique index on exactly the job's primary_key,
   *    or no upsert could be idempotent;
   *  - a missing column is added as a nullable column of the exact type (add_columns, widen) or
   *    refused (fail);
   *  - a column that cannot hold the source's values exactly (checkTargetColumn) fails the run,
   *    naming column, source type and target type, unless schema_evolution: widen may ALTER it;
   *  - a target column the source no longer has is a warning (it keeps its values), or refused
   *    under schema_evolution: fail.
   */
  async prepareTarget(
    target: QualifiedName,
    schema: BatchSchema,
    policy: TargetTablePolicy = defaultTargetTablePolicy,
  ): Promise<readonly string[]> {
    const name = quoteQualifiedName(target);
    const key = `${name}|${policy.schemaEvolution}|${String(policy.softDeletes)}|${policy.deletedFlag ?? ''}|${schema.primaryKey.join(',')}|${schema.columns.map((column) => `${column.name}:${postgresTypeOf(column)}`).join(',')}`;
    const cached = this.preparedTables.get(key);
    if (cached !== undefined) return cached;
    if (policy.deletedFlag !== undefined) {
      const flag = schema.columns.find((column) => column.name === policy.deletedFlag);
      if (flag?.kind !== 'boolean')
        throw new QuperSyncError(
          'TARGET_INCOMPATIBLE',
          'permanent',
          flag === undefined
            ? `source.deleted_flag column ${policy.deletedFlag} is not among the batch's columns`
            : `source.deleted_flag column ${policy.deletedFlag} must be BOOLEAN, not ${flag.sqlType}`,
        );
    }
    const warnings: string[] = [];
    const existing = await this.existingColumns(target);
    if (existing === undefined) {
      if (!policy.createTarget) {
        throw new QuperSyncError(
          'TARGET_WRITE_FAILED',
          'permanent',
          `target table ${name} does not exist and create_target is false`,
        );
      }
      await this.createTable(target, schema, policy.softDeletes);
    } else {
      const missing = schema.columns.filter((column) => !existing.has(column.name));
      if (missing.length > 0 && policy.schemaEvolution === 'fail') {
        throw new QuperSyncError(
          'TARGET_WRITE_FAILED',
          'permanent',
          `target table ${name} lacks column(s) ${missing.map((column) => column.name).join(', ')} and schema_evolution is fail`,
        );
      }
      await this.requireUpsertKey(target, schema);
      await this.requireExactColumns(target, schema, existing, policy);
      const sourceNames = new Set(schema.columns.map((column) => column.name));
      // _qupersync_deleted_at is QuperSync's own column, never the source's.
      const dropped = [...existing.keys()].filter(
        (column) => !sourceNames.has(column) && column !== softDeletedColumn,
      );
      if (policy.softDeletes && !existing.has(softDeletedColumn)) {
        await this.database.query(
          `ALTER TABLE ${name} ADD COLUMN IF NOT EXISTS ${quoteIdentifier(softDeletedColumn)} timestamptz`,
        );
        this.logger.info('soft-delete column added', { table: name, column: softDeletedColumn });
      }
      if (dropped.length > 0) {
        const message = `target table ${name} has column(s) ${dropped.join(', ')} that the source no longer has (dropped there?); they keep their values`;
        if (policy.schemaEvolution === 'fail')
          throw new QuperSyncError(
            'TARGET_INCOMPATIBLE',
            'permanent',
            `${message}, and schema_evolution is fail`,
          );
        warnings.push(message);
        this.logger.warn('target columns missing from the source', { table: name, columns: dropped });
      }
      for (const column of missing) {
        await this.database.query(
          `ALTER TABLE ${name} ADD COLUMN IF NOT EXISTS ${quoteIdentifier(column.name)} ${postgresTypeOf(column)}`,
        );
        this.logger.info('target column added', {
          table: name,
          column: column.name,
          type: postgresTypeOf(column),
        });
      }
    }
    this.preparedTables.set(key, warnings);
    return warnings;
  }

  /** ON CONFLICT (primary_key) needs a unique, immediate, non-partial index on exactly those columns. */
  private async requireUpsertKey(target: QualifiedName, schema: BatchSchema): Promise<void> {
    const problem = await upsertKeyProblem(this.database, quoteQualifiedName(target), schema.primaryKey);
    if (problem !== undefined) throw new QuperSyncError('TARGET_INCOMPATIBLE', 'permanent', problem);
  }

  private async requireExactColumns(
    target: QualifiedName,
    schema: BatchSchema,
    existing: ReadonlyMap<string, TargetColumnType>,
    policy: TargetTablePolicy,
  ): Promise<void> {
    const name = quoteQualifiedName(target);
    const problems: string[] = [];
    const widenings: Array<{ column: string; from: string; to: string }> = [];
    for (const column of schema.columns) {
      const targetType = existing.get(column.name);
      if (targetType === undefined) continue;
      const verdict = checkTargetColumn(column, targetType);
      const pair = `source ${postgresTypeOf(column)} (${column.sqlType}) into target ${describeTargetType(targetType)}`;
      switch (verdict.verdict) {
        case 'exact':
          break;
        case 'narrower':
          if (policy.schemaEvolution === 'widen')
            widenings.push({
              column: column.name,
              from: describeTargetType(targetType),
              to: verdict.widerType,
            });
          else
            problems.push(
              `column ${column.name}: ${pair} would lose values (schema_evolution: widen would ALTER it to ${verdict.widerType})`,
            );
          break;
        case 'incompatible':
          problems.push(
            `column ${column.name}: ${pair} cannot hold the values exactly, and no ALTER makes it`,
          );
          break;
      }
    }
    if (problems.length > 0) {
      throw new QuperSyncError(
        'TARGET_INCOMPATIBLE',
        'permanent',
        `target table ${name} cannot hold the source exactly: ${problems.join('; ')}`,
      );
    }
    for (const widening of widenings) {
      const column = quoteIdentifier(widening.column);
      await this.database.query(
        `ALTER TABLE ${name} ALTER COLUMN ${column} TYPE ${widening.to} USING ${column}::${widening.to}`,
      );
      this.logger.info('target column widened', { table: name, ...widening });
    }
  }

  private async createTable(target: QualifiedName, schema: BatchSchema, softDeletes: boolean): Promise<void> {
    const name = quoteQualifiedName(target);
    const columns = schema.columns.map(
      (column) => `${quoteIdentifier(column.name)} ${postgresTypeOf(column)}`,
    );
    if (softDeletes) columns.push(`${quoteIdentifier(softDeletedColumn)} timestamptz`);
    const key = schema.primaryKey.map(quoteIdentifier).join(', ');
    if (target.schema !== undefined)
      await this.database.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(target.schema)}`);
    await this.database
      .query(`CREATE TABLE IF NOT EXISTS ${name} (${columns.join(', ')}, PRIMARY KEY (${key}))`)
      .catch(async (error: unknown) => {
        // Two loaders creating the same table at once: the loser sees a duplicate; the table exists.
        if ((await this.existingColumns(target)) === undefined) throw error;
      });
    this.logger.info('target table created', { table: name });
  }

  /** The target's columns and their catalog types, or undefined when the table does not exist. */
  private async existingColumns(target: QualifiedName): Promise<Map<string, TargetColumnType> | undefined> {
    const rows = await this.database.query<{
      name: string | null;
      type_name: string | null;
      type_modifier: number | null;
    }>(
      `SELECT a.attname AS name, ty.typname AS type_name, a.atttypmod AS type_modifier
       FROM (SELECT to_regclass($1) AS oid) t
       LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum > 0 AND NOT a.attisdropped
       LEFT JOIN pg_type ty ON ty.oid = a.atttypid
       WHERE t.oid IS NOT NULL`,
      [quoteQualifiedName(target)],
    );
    if (rows.length === 0) return undefined;
    const columns = new Map<string, TargetColumnType>();
    for (const row of rows)
      if (row.name !== null)
        columns.set(row.name, { typeName: row.type_name ?? '', typeModifier: row.type_modifier ?? -1 });
    return columns;
  }
}

/**
 * The fence check, first in the batch's transaction: records the batch's attempt as the run's
 * newest when it is, and holds the fence FOR SHARE until commit, so the run cannot end while the
 * batch is being written. Throws BATCH_STALE (nothing written) for an ended run, an unknown one
 * or an attempt that a newer one replaced.
 */
async function claimFence(client: PoolClient, fence: BatchFence | undefined): Promise<void> {
  if (fence === undefined) return;
  const result = await client.query<{ stale: string | null }>(
    'SELECT qupersync_claim_fence($1, $2) AS stale',
    [fence.runId, fence.extractionId],
  );
  const stale = result.rows[0]?.stale ?? null;
  if (stale !== null)
    throw new QuperSyncError(
      'BATCH_STALE',
      'permanent',
      `stale batch of run ${fence.runId}, attempt ${fence.extractionId}: ${stale}`,
    );
}

/** "SQLSTATE 23502, column customer_id: null value in column ..." — what the database said, and where. */
export function describeRejection(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = sqlState(error);
  const column = columnOf(error);
  return `${code === undefined ? '' : `SQLSTATE ${code}, `}column ${column ?? '(not named by the database)'}: ${message}`;
}

function columnOf(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const column: unknown = Reflect.get(error, 'column');
  if (typeof column === 'string' && column.length > 0) return column;
  // COPY names the column in its context line: 'COPY t, line 3, column note: "..."'.
  const where: unknown = Reflect.get(error, 'where');
  const match = typeof where === 'string' ? /, column ([^:]+):/.exec(where) : null;
  return match?.[1];
}

/** The row's primary key as JSON, for messages and dead letters: {"id":"42"}. */
export function describeKey(schema: BatchSchema, row: BatchRow): string {
  const key: Record<string, unknown> = {};
  for (const name of schema.primaryKey) {
    const value = row[name];
    key[name] =
      typeof value === 'bigint' ? value.toString() : Buffer.isBuffer(value) ? value.toString('hex') : value;
  }
  return JSON.stringify(key);
}

/** The range of the (integer) first key column over the batch; null when a row has none. */
function firstKeyRange(key: string, rows: BatchRows): { low: number | bigint; high: number | bigint } | null {
  const copy = rows instanceof EncodedBatch ? rows.copyText() : undefined;
  if (copy !== undefined) return copy.firstKeyRange;
  let low: number | bigint | undefined;
  let high: number | bigint | undefined;
  for (const row of rowsOf(rows)) {
    const value = row[key];
    if (typeof value !== 'number' && typeof value !== 'bigint') return null;
    if (low === undefined || value < low) low = value;
    if (high === undefined || value > high) high = value;
  }
  return low === undefined || high === undefined ? null : { low, high };
}

/** The batch as COPY text: straight from its Avro bytes when it came encoded, else from its rows. */
export function copyPayload(schema: BatchSchema, rows: BatchRows): Buffer {
  const copy = rows instanceof EncodedBatch ? rows.copyText() : undefined;
  if (copy !== undefined) return copy.text;
  const decoded = rowsOf(rows);
  const names = schema.columns.map((column) => column.name);
  const lines: string[] = new Array<string>(decoded.length);
  decoded.forEach((row, index) => {
    lines[index] = names.map((name) => toCopyText(row[name] ?? null)).join('\t');
  });
  return Buffer.from(`${lines.join('\n')}\n`, 'utf8');
}

async function copyRows(
  client: PoolClient,
  sql: string,
  schema: BatchSchema,
  rows: BatchRows,
): Promise<void> {
  // One write per batch: per-row writes cost more than the COPY itself.
  const payload = copyPayload(schema, rows);
  await new Promise<void>((resolve, reject) => {
    const stream = client.query(copyFrom(sql));
    stream.on('error', reject);
    stream.on('finish', () => resolve());
    stream.end(payload);
  });
}
