// SQL for the idempotent, order-independent upsert (DESIGN.md section 2, guarantee 3):
//  - rows of one batch are deduplicated by key, newest watermark wins, and written in key order
//    so parallel loaders lock keys in the same order and do not deadlock;
//  - an existing row is updated only when a value changed (IS DISTINCT FROM: a no-op re-sync
//    writes no row versions) and only when the incoming watermark is not older than the stored one.
import { createHash } from 'node:crypto';
import { QualifiedName, quoteIdentifier, quoteQualifiedName } from '@qupersync/config';
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
}

const integerKinds: ReadonlySet<string> = new Set(['smallint', 'integer', 'bigint']);

export function buildUpsertStatements(target: QualifiedName, schema: BatchSchema): UpsertStatements {
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
  const select = `SELECT DISTINCT ON (${keys.join(', ')}) ${columns.join(', ')} FROM ${stagingTable} ORDER BY ${keys.join(', ')}${newestFirst}`;
  let conflict: string;
  if (nonKeys.length === 0) {
    conflict = 'DO NOTHING';
  } else {
    const changed = `(${nonKeys.map((name) => `t.${name}`).join(', ')}) IS DISTINCT FROM (${nonKeys.map((name) => `EXCLUDED.${name}`).join(', ')})`;
    const notOlder =
      watermark === null
        ? ''
        : ` AND (t.${watermark} IS NULL OR EXCLUDED.${watermark} IS NULL OR EXCLUDED.${watermark} >= t.${watermark})`;
    conflict = `DO UPDATE SET ${nonKeys.map((name) => `${name} = EXCLUDED.${name}`).join(', ')} WHERE ${nonKeys.length === 1 ? changed.replace(/^\((.*)\) IS DISTINCT FROM \((.*)\)$/, '$1 IS DISTINCT FROM $2') : changed}${notOlder}`;
  }
  return {
    stagingTable,
    // Created once per pooled connection and emptied at every commit (ON COMMIT DELETE ROWS
    // truncates in place): no per-batch catalog churn, no TRUNCATE round trip.
    createStaging: `CREATE TEMP TABLE IF NOT EXISTS ${stagingTable} ON COMMIT DELETE ROWS AS SELECT ${columns.join(', ')} FROM ${targetName} WITH NO DATA`,
    copyIntoStaging: `COPY ${stagingTable} (${columns.join(', ')}) FROM STDIN`,
    upsert: `INSERT INTO ${targetName} AS t (${columns.join(', ')}) ${select} ON CONFLICT (${keys.join(', ')}) ${conflict}`,
    copyIntoTarget: `COPY ${targetName} (${columns.join(', ')}) FROM STDIN`,
    keyRangeProbe:
      firstKey !== undefined && integerKinds.has(firstKey.kind)
        ? `SELECT 1 FROM ${targetName} WHERE ${quoteIdentifier(firstKey.name)} BETWEEN $1 AND $2 LIMIT 1`
        : null,
  };
}
