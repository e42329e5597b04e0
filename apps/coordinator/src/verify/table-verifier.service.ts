// `qupersync verify`: proves a job's target equal to its source, or finds exactly the keys that
// differ, without copying the table. Both sides count rows and sum a 60-bit prefix of each row's
// MD5 over their canonical text (row-checksum.sql.ts), per bucket of their key's MD5 prefix
// (4,096 buckets at most). Equal buckets end it: one statement per side. Otherwise buckets that
// differ are split 16 ways until they hold a few dozen rows, and only those buckets' rows are
// fetched and compared key by key, so the cost grows with the differences, not with the table.
// Statements and memory stay bounded: at most `maxBucketsPerStatement` buckets per statement.
import { Inject, Injectable } from '@nestjs/common';
import {
  JobCatalog,
  JobDefinition,
  QualifiedName,
  quoteIdentifier,
  quoteQualifiedName,
  softDeletedColumn,
} from '@qupersync/config';
import type { PoolClient } from 'pg';
import { QuperSyncError } from '@qupersync/contracts';
import { columnKindOf } from '@qupersync/entity';
import { JsonLogger } from '@qupersync/observability';
import { PostgresDatabase } from '@qupersync/postgres';
import { RedshiftDataGateway, resolveJobStatementTarget, type SourceColumn } from '@qupersync/redshift';
import type { RedshiftEnvironment, SourceValue } from '@qupersync/redshift';
import { Bucket, chunks, searchDifferingBuckets } from './bucket.search';
import { canonicalText, keyIdOf, keyValuesOf } from './row-key.codec';
import {
  checksumStatements,
  ComparedColumn,
  type ChecksumStatements,
  uncomparedKinds,
} from './row-checksum.sql';

export const VERIFY_REDSHIFT_ENVIRONMENT = Symbol('VERIFY_REDSHIFT_ENVIRONMENT');

/**
 * Buckets per statement (inline literals of up to 8 hex digits: under 75,000 characters of SQL)
 * and per row comparison; keys per DELETE.
 */
const maxBucketsPerStatement = 6_000;
/**
 * The first pass has no parents to chunk by: 16^3 = 4,096 groups at most, however large the
 * table; deeper levels are reached through the parents, maxBucketsPerStatement at a time.
 */
const firstLevel = 3;
/** A differing bucket is split again while its rows average more than this. */
const rowsPerFinalBucket = 32;
const maxLevel = 8;
const sampleSize = 20;

export interface VerifyReport {
  readonly job: string;
  readonly equal: boolean;
  readonly rowsSource: number;
  readonly rowsTarget: number;
  /** Keys in the source and not in the target. */
  readonly missing: number;
  /** Keys in the target and not in the source. */
  readonly extra: number;
  /** Keys on both sides whose rows differ in a compared column. */
  readonly different: number;
  /** Checksummed ranges (the whole table, then each bucket) compared. */
  readonly rangesCompared: number;
  /** Rows fetched and compared key by key, over both sides. */
  readonly rowsCompared: number;
  readonly statements: number;
  readonly seconds: number;
  /** Up to 20 differing keys (canonical text, in primary-key order). */
  readonly sample: readonly (readonly string[])[];
  readonly columnsCompared: readonly string[];
  /** Columns left out, with why (a type without canonical text, a column the target lacks). */
  readonly columnsSkipped: readonly string[];
}

export interface VerifyOutcome {
  readonly report: VerifyReport;
  /** Missing and different keys (up to `keyLimit`): what a repair re-extracts. */
  readonly resyncKeys: string[][];
  /** Extra keys (up to `keyLimit`). */
  readonly extraKeys: string[][];
}

interface Side {
  readonly statements: ChecksumStatements;
  /**
   * Hands each row of the statement's result to `visit` as it arrives (a page at a time from the
   * Data API) instead of collecting them: the caller keeps only what it compares, so a statement's
   * rows are young garbage, not a heap that grows until the next full collection.
   */
  each(sql: string, visit: (row: readonly SourceValue[]) => void): Promise<void>;
}

@Injectable()
export class TableVerifier {
  private readonly logger = new JsonLogger(TableVerifier.name);

  constructor(
    private readonly jobs: JobCatalog,
    private readonly gateway: RedshiftDataGateway,
    @Inject(VERIFY_REDSHIFT_ENVIRONMENT) private readonly environment: RedshiftEnvironment,
    private readonly database: PostgresDatabase,
  ) {}

  /**
   * Compares the job's target with its source. With `keysOnly` only the keys are compared (what
   * deletes need: which target keys the source lacks); the jobs file has made sure no entity rule
   * changes a key of a job with deletes. Soft-deleted target rows count as absent.
   */
  async verify(
    jobName: string,
    keyLimit: number,
    options: { keysOnly?: boolean; job?: JobDefinition } = {},
  ): Promise<VerifyOutcome> {
    const started = Date.now();
    const keysOnly = options.keysOnly ?? false;
    // A run's own definition when the caller has it (a run that began before a reload).
    const job = options.job ?? this.jobs.find(jobName);
    if (job === undefined) throw new QuperSyncError('JOB_UNKNOWN', 'permanent', `unknown job "${jobName}"`);
    if (!keysOnly && (job.entity.className !== undefined || job.entity.rules.length > 0))
      throw new QuperSyncError(
        'MESSAGE_INVALID',
        'permanent',
        `job "${job.name}" changes rows on the way (entity ${job.entity.className === undefined ? 'rules' : 'class'}); verify compares jobs whose target rows are the source rows`,
      );
    let statements = 0;
    const target = resolveJobStatementTarget(this.environment, job.source);
    const resultFormat = job.source.resultFormat ?? this.environment.REDSHIFT_RESULT_FORMAT;
    const sourceTable =
      job.source.sql !== undefined ? `(${job.source.sql})` : quoteQualifiedName(requireTable(job));
    // A row the source flags deleted is not one the target should have (source.deleted_flag).
    const sourceFrom =
      job.source.deletedFlag === undefined
        ? sourceTable
        : `(SELECT * FROM ${sourceTable} AS f WHERE f.${quoteIdentifier(job.source.deletedFlag)} IS NOT TRUE)`;
    const eachSourceRow = async (
      sql: string,
      visit: (row: readonly SourceValue[]) => void,
    ): Promise<void> => {
      statements += 1;
      const result = await this.gateway.runQuery({
        sql,
        target,
        statementName: `qupersync:verify:${job.name}`,
        resultFormat,
      });
      for await (const page of result.pages()) for (const row of page) visit(row);
    };
    const probe = await this.gateway.runQuery({
      sql: `SELECT * FROM ${sourceFrom} AS q LIMIT 0`,
      target,
      statementName: `qupersync:verify:${job.name}:describe`,
    });
    for await (const _page of probe.pages()) {
      // A LIMIT 0 statement has only column metadata.
    }
    statements += 1;
    const targetTypes = await this.targetColumns(job.targetTable);
    if (targetTypes.size === 0)
      throw new QuperSyncError(
        'TARGET_INCOMPATIBLE',
        'permanent',
        `target table ${quoteQualifiedName(job.targetTable)} of job "${job.name}" does not exist; run the job first`,
      );
    const { sourceColumns, targetColumns, key, targetKey, skipped } = compared(
      job,
      probe.columns,
      targetTypes,
      keysOnly,
    );
    // Soft-deleted rows are not the source's rows any more: the target side leaves them out (only
    // under deletes: soft; a job switched away from it has stamps nothing clears any more).
    const targetFrom =
      job.deletes === 'soft' && targetTypes.has(softDeletedColumn)
        ? `(SELECT * FROM ${quoteQualifiedName(job.targetTable)} WHERE ${quoteIdentifier(softDeletedColumn)} IS NULL)`
        : quoteQualifiedName(job.targetTable);
    const source: Side = {
      statements: checksumStatements({
        dialect: 'redshift',
        source: sourceFrom,
        key: key,
        columns: sourceColumns,
      }),
      each: eachSourceRow,
    };
    const targetSide: Side = {
      statements: checksumStatements({
        dialect: 'postgres',
        source: targetFrom,
        key: targetKey,
        columns: targetColumns,
      }),
      each: async (sql, visit) => {
        statements += 1;
        // pg returns COUNT, NUMERIC and every text as strings; arrays skip a row object per row.
        for (const row of await this.database.queryArrays(sql))
          visit(
            row.map((value) => (value === null || typeof value === 'string' ? value : JSON.stringify(value))),
          );
      },
    };

    let rowsCompared = 0;
    let missing = 0;
    let extra = 0;
    let different = 0;
    const sample: string[][] = [];
    const resyncKeys: string[][] = [];
    const extraKeys: string[][] = [];
    // The first pass is the whole table's checksum, per bucket: equal buckets mean equal tables,
    // at one statement per side; its 4,096 buckets at most are where the search starts otherwise.
    const bucketsOf =
      (side: Side) =>
      async (level: number, parents: readonly string[] | null): Promise<Map<string, Bucket>> => {
        const found = new Map<string, Bucket>();
        await side.each(side.statements.bucketed(level, parents), (row) =>
          found.set(canonicalText(row[0]), {
            rows: Number(canonicalText(row[1])),
            sum: canonicalText(row[2]),
          }),
        );
        return found;
      };
    const { differing, level, rowsSource, rowsTarget, rangesCompared, bucketsDiffered } =
      await searchDifferingBuckets(bucketsOf(source), bucketsOf(targetSide), {
        firstLevel,
        maxLevel,
        rowsPerFinalBucket,
        chunkSize: maxBucketsPerStatement,
      });
    for (const chunk of chunks(
      differing.map((bucket) => bucket.bucket),
      maxBucketsPerStatement,
    )) {
      // Each side's rows of these buckets as key id -> row hash; key values are decoded back
      // from the id only for the keys that differ.
      const hashesOf = async (side: Side): Promise<Map<string, string>> => {
        const hashes = new Map<string, string>();
        await side.each(side.statements.rows(level, chunk), (row) => {
          rowsCompared += 1;
          hashes.set(keyIdOf(row, key.length), canonicalText(row[key.length]));
        });
        return hashes;
      };
      const [sourceRows, targetRows] = await Promise.all([hashesOf(source), hashesOf(targetSide)]);
      const note = (id: string, into: string[][] | null): void => {
        const keep = into !== null && into.length < keyLimit;
        if (sample.length >= sampleSize && !keep) return;
        const keyValues = keyValuesOf(id, key.length);
        if (sample.length < sampleSize) sample.push(keyValues);
        if (keep) into.push(keyValues);
      };
      for (const [id, hash] of sourceRows) {
        const other = targetRows.get(id);
        if (other === undefined) {
          missing += 1;
          note(id, resyncKeys);
        } else if (other !== hash) {
          different += 1;
          note(id, resyncKeys);
        }
      }
      for (const id of targetRows.keys()) {
        if (!sourceRows.has(id)) {
          extra += 1;
          note(id, extraKeys);
        }
      }
    }
    const report: VerifyReport = {
      job: job.name,
      // Not equal when buckets differed though no key did: duplicate keys at the source, say.
      equal: !bucketsDiffered,
      rowsSource,
      rowsTarget,
      missing,
      extra,
      different,
      rangesCompared,
      rowsCompared,
      statements,
      seconds: Math.round((Date.now() - started) / 10) / 100,
      sample,
      columnsCompared: targetColumns.map((column) => column.name),
      columnsSkipped: skipped,
    };
    this.logger.info('verified', { ...report, sample: undefined });
    return { report, resyncKeys, extraKeys };
  }

  /**
   * Deletes target rows by key (canonical key texts, as `verify` reports them), or stamps
   * `_qupersync_deleted_at` on them under deletes: soft, at most `maxBucketsPerStatement` keys per
   * statement; returns how many rows went (a stamped row is not stamped again). In `client`'s
   * transaction when given. Only for jobs with deletes.
   */
  async deleteKeys(
    jobName: string,
    keys: readonly (readonly string[])[],
    client?: PoolClient,
    definition?: JobDefinition,
  ): Promise<number> {
    const job = definition ?? this.jobs.find(jobName);
    if (job === undefined) throw new QuperSyncError('JOB_UNKNOWN', 'permanent', `unknown job "${jobName}"`);
    if (job.deletes === 'none')
      throw new QuperSyncError('MESSAGE_INVALID', 'permanent', `job "${job.name}" does not allow deletes`);
    const table = quoteQualifiedName(job.targetTable);
    if (job.deletes === 'soft') await this.ensureSoftDeleteColumn(job.targetTable);
    const types = await this.targetColumns(job.targetTable);
    const columns = job.primaryKey.map((name) => {
      const targetName = job.entity.rename[name] ?? name;
      const type = types.get(targetName);
      if (type === undefined)
        throw new QuperSyncError(
          'TARGET_INCOMPATIBLE',
          'permanent',
          `target has no key column ${targetName}`,
        );
      return { name: targetName, type };
    });
    const matches = `(${columns.map((column) => quoteIdentifier(column.name)).join(', ')}) IN (
              SELECT * FROM unnest(${columns.map((column, index) => `$${index + 1}::${column.type}[]`).join(', ')}))`;
    const stamp = quoteIdentifier(softDeletedColumn);
    const statement =
      job.deletes === 'hard'
        ? `WITH gone AS (DELETE FROM ${table} WHERE ${matches} RETURNING 1) SELECT count(*)::text AS deleted FROM gone`
        : `WITH gone AS (UPDATE ${table} SET ${stamp} = now() WHERE ${matches} AND ${stamp} IS NULL RETURNING 1)
           SELECT count(*)::text AS deleted FROM gone`;
    let deleted = 0;
    for (const chunk of chunks(keys, maxBucketsPerStatement)) {
      // The canonical text of a timestamptz key is its UTC instant without an offset.
      const values = columns.map((column, index) =>
        chunk.map((key) => {
          const value = key[index] ?? '';
          return /with time zone$/.test(column.type) ? `${value}+00` : value;
        }),
      );
      const rows =
        client === undefined
          ? await this.database.query<{ deleted: string }>(statement, values)
          : (await client.query<{ deleted: string }>(statement, values)).rows;
      deleted += Number(rows[0]?.deleted ?? 0);
    }
    return deleted;
  }

  /** deletes: soft needs its stamp column; the loader adds it too, this covers a target it never touched. */
  private async ensureSoftDeleteColumn(table: QualifiedName): Promise<void> {
    if ((await this.targetColumns(table)).has(softDeletedColumn)) return;
    await this.database.query(
      `ALTER TABLE ${quoteQualifiedName(table)} ADD COLUMN IF NOT EXISTS ${quoteIdentifier(softDeletedColumn)} timestamptz`,
    );
  }

  /** The target table's columns and their types, empty when it does not exist. */
  private async targetColumns(table: QualifiedName): Promise<Map<string, string>> {
    const rows = await this.database.query<{ name: string; type: string }>(
      `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type
         FROM pg_attribute a
        WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped`,
      [quoteQualifiedName(table)],
    );
    return new Map(rows.map((row) => [row.name, row.type]));
  }
}

function requireTable(job: JobDefinition): QualifiedName {
  if (job.source.table === undefined)
    throw new QuperSyncError('MESSAGE_INVALID', 'permanent', `job ${job.name} has no source table`);
  return job.source.table;
}

const blankPaddedTypes: ReadonlySet<string> = new Set(['bpchar', 'char', 'character', 'nchar']);

/**
 * The columns both sides compare, in the source's order: the source's (after source.columns and
 * entity.columns), named as the target names them (entity.rename), that the target has and whose
 * type has one canonical text. Every key column must be among them.
 */
function compared(
  job: JobDefinition,
  columns: readonly SourceColumn[],
  targetTypes: ReadonlyMap<string, string>,
  keysOnly: boolean,
): {
  sourceColumns: ComparedColumn[];
  targetColumns: ComparedColumn[];
  key: ComparedColumn[];
  targetKey: ComparedColumn[];
  skipped: string[];
} {
  const sourceColumns: ComparedColumn[] = [];
  const targetColumns: ComparedColumn[] = [];
  const skipped: string[] = [];
  for (const column of columns) {
    if (keysOnly && !job.primaryKey.includes(column.name)) continue;
    const handling = job.source.columns[column.name];
    if (handling === 'exclude') continue;
    if (job.entity.columns !== undefined && !job.entity.columns.includes(column.name)) continue;
    const targetName = job.entity.rename[column.name] ?? column.name;
    if (handling === 'text') {
      skipped.push(`${column.name} (read as text)`);
      continue;
    }
    if (!targetTypes.has(targetName)) {
      skipped.push(`${column.name} (not in the target)`);
      continue;
    }
    let kind: ComparedColumn['kind'];
    try {
      kind = columnKindOf(column.typeName);
    } catch {
      skipped.push(`${column.name} (${column.typeName})`);
      continue;
    }
    if (job.numericAsFloat.includes(column.name)) {
      // DECIMAL at the source, DOUBLE PRECISION in the target: their texts never match.
      skipped.push(`${column.name} (numeric_as_float)`);
      continue;
    }
    if (uncomparedKinds.has(kind)) {
      skipped.push(`${column.name} (${column.typeName}: no canonical text on both sides)`);
      continue;
    }
    const blankPadded = blankPaddedTypes.has(column.typeName.toLowerCase());
    sourceColumns.push({ name: column.name, kind, blankPadded });
    targetColumns.push({ name: targetName, kind, blankPadded });
  }
  const key = job.primaryKey.map((name) => sourceColumns.find((column) => column.name === name));
  const targetKey = job.primaryKey.map((name) =>
    targetColumns.find((column) => column.name === (job.entity.rename[name] ?? name)),
  );
  const presentKey = key.filter((column): column is ComparedColumn => column !== undefined);
  const presentTargetKey = targetKey.filter((column): column is ComparedColumn => column !== undefined);
  if (presentKey.length !== job.primaryKey.length || presentTargetKey.length !== job.primaryKey.length)
    throw new QuperSyncError(
      'TARGET_INCOMPATIBLE',
      'permanent',
      `job "${job.name}": every primary-key column (${job.primaryKey.join(', ')}) must be on both sides to verify`,
    );
  return { sourceColumns, targetColumns, key: presentKey, targetKey: presentTargetKey, skipped };
}
