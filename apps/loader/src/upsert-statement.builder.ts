// SQL for the idempotent, order-independent upsert (DESIGN.md section 2, guarantee 3):
//  - rows of one batch are deduplicated by key, newest watermark wins, and written in key order
//    so parallel loaders lock keys in the same order and do not deadlock;
//  - an existing row is updated only when a value changed (IS DISTINCT FROM: a no-op re-sync
//    writes no row versions) and only when the incoming watermark is not older than the stored one;
//  - under deletes: soft a row the source has again loses its `_qupersync_deleted_at` stamp;
//  - with source.deleted_flag a row flagged true is deleted (hard) or stamped (soft) instead.
import { createHash } from 'node:crypto';
import { QualifiedName, quoteIdentifier, quoteQualifiedName, softDeletedColumn } from '@qupersync/config';
import type { BatchSchema } from '@qupersync/contracts';

export interface UpsertStatements {
  readonly stagingTable: string;
  readonly createStaging: string;
  readonly copyIntoStaging: string;
  readonly upsert: string;
  /** COPY straight into the target, for batches whose keys cannot be there yet. */
  readonly copyIntoTarget: string;
  /**
   * One index probe: is any row of the target in [$1, $2] of the first key column? Only for an
   * integer first key column, whose bounds the loader computes exactly; null otherwise.
   */
  readonly keyRangeProbe: string | null;
  /** deletes: hard with source.deleted_flag: deletes the target rows the batch flags; else null. */
  readonly deleteFlagged: string | null;
  /** The flag column (target name), or null: a batch with a flagged row never takes the COPY path. */
  readonly deletedFlag: string | null;
}

const integerKinds: ReadonlySet<string> = new Set(['smallint', 'integer', 'bigint']);

export interface UpsertStatementOptions {
  /** deletes: soft: the target's `_qupersync_deleted_at` is written by every upsert. */
  readonly softDeletes?: boolean;
  /** source.deleted_flag, as the target names it: a row with it true is deleted or stamped. */
  readonly deletedFlag?: string;
}

export function buildUpsertStatements(
  target: QualifiedName,
  schema: BatchSchema,
  options: UpsertStatementOptions = {},
): UpsertStatements {
  const targetName = quoteQualifiedName(target);
  const columns = schema.columns.map((column) => quoteIdentifier(column.name));
  const keys = schema.primaryKey.map(quoteIdentifier);
  const nonKeys = schema.columns
    .map((column) => column.name)
    .filter((name) => !schema.primaryKey.includes(name))
    .map(quoteIdentifier);
  const fingerprint = createHash('sha1')
    .update(`${targetName}|${columns.join(',')}`)
    .digest('hex')
    .slice(0, 16);
  const stagingTable = quoteIdentifier(`qupersync_stage_${fingerprint}`);
  const watermark = schema.watermark === null ? null : quoteIdentifier(schema.watermark);
  const firstKey = schema.columns.find((column) => column.name === schema.primaryKey[0]);
  const newestFirst = watermark === null ? '' : `, ${watermark} DESC NULLS LAST`;
  const newest = `SELECT DISTINCT ON (${keys.join(', ')}) ${columns.join(', ')} FROM ${stagingTable} ORDER BY ${keys.join(', ')}${newestFirst}`;
  const softDeletes = options.softDeletes === true;
  const flag = options.deletedFlag === undefined ? null : quoteIdentifier(options.deletedFlag);
  const stamp = quoteIdentifier(softDeletedColumn);
  const notOlderThan = (incoming: string): string =>
    watermark === null
      ? ''
      : ` AND (t.${watermark} IS NULL OR ${incoming}.${watermark} IS NULL OR ${incoming}.${watermark} >= t.${watermark})`;
  // Under soft deletes the stamp is a column the upsert writes: now() for a flagged row (kept
  // when it was stamped already), NULL for any other, so a key the source has again comes back.
  const insertColumns = softDeletes ? [...columns, stamp] : columns;
  let select: string;
  if (softDeletes)
    select = `SELECT ${columns.map((column) => `d.${column}`).join(', ')}, ${flag === null ? 'NULL::timestamptz' : `CASE WHEN d.${flag} IS TRUE THEN now() END`} FROM (${newest}) d`;
  else if (flag !== null) select = `SELECT * FROM (${newest}) d WHERE d.${flag} IS NOT TRUE`;
  else select = newest;
  let conflict: string;
  if (nonKeys.length === 0) {
    conflict = softDeletes ? `DO UPDATE SET ${stamp} = NULL WHERE t.${stamp} IS NOT NULL` : 'DO NOTHING';
  } else {
    const pairs =
      nonKeys.length === 1
        ? `t.${nonKeys.join('')} IS DISTINCT FROM EXCLUDED.${nonKeys.join('')}`
        : `(${nonKeys.map((name) => `t.${name}`).join(', ')}) IS DISTINCT FROM (${nonKeys.map((name) => `EXCLUDED.${name}`).join(', ')})`;
    const sets = nonKeys.map((name) => `${name} = EXCLUDED.${name}`);
    let changed = pairs;
    if (softDeletes) {
      sets.push(
        `${stamp} = ${flag === null ? 'NULL' : `CASE WHEN EXCLUDED.${flag} IS TRUE THEN COALESCE(t.${stamp}, EXCLUDED.${stamp}) END`}`,
      );
      // A row whose stamp must come or go is written even when no value changed.
      changed = `(${pairs} OR (t.${stamp} IS NULL) IS DISTINCT FROM (EXCLUDED.${stamp} IS NULL))`;
    }
    conflict = `DO UPDATE SET ${sets.join(', ')} WHERE ${changed}${notOlderThan('EXCLUDED')}`;
  }
  const deleteFlagged =
    flag === null || softDeletes
      ? null
      : `DELETE FROM ${targetName} AS t USING (${newest}) d WHERE ${keys.map((key) => `t.${key} = d.${key}`).join(' AND ')} AND d.${flag} IS TRUE${notOlderThan('d')}`;
  return {
    stagingTable,
    // Created once per pooled connection and emptied at every commit (ON COMMIT DELETE ROWS
    // truncates in place): no per-batch catalog churn, no TRUNCATE round trip.
    createStaging: `CREATE TEMP TABLE IF NOT EXISTS ${stagingTable} ON COMMIT DELETE ROWS AS SELECT ${columns.join(', ')} FROM ${targetName} WITH NO DATA`,
    copyIntoStaging: `COPY ${stagingTable} (${columns.join(', ')}) FROM STDIN`,
    upsert: `INSERT INTO ${targetName} AS t (${insertColumns.join(', ')}) ${select} ON CONFLICT (${keys.join(', ')}) ${conflict}`,
    deleteFlagged,
    deletedFlag: options.deletedFlag ?? null,
    copyIntoTarget: `COPY ${targetName} (${columns.join(', ')}) FROM STDIN`,
    keyRangeProbe:
      firstKey !== undefined && integerKinds.has(firstKey.kind)
        ? `SELECT 1 FROM ${targetName} WHERE ${quoteIdentifier(firstKey.name)} BETWEEN $1 AND $2 LIMIT 1`
        : null,
  };
}
