// The SQL `qupersync verify` runs on both sides of a job: a row's canonical text, which must come
// out identical from Redshift (through the Data API) and from PostgreSQL for every compared type,
// and the statements that count and checksum rows per bucket of the key's MD5. A bucket is the
// first `level` hex digits of MD5(canonical key): the same rows fall in the same bucket on both
// sides whatever the key's type, and a level deeper splits a bucket in 16.
import { quoteIdentifier } from '@qupersync/config';
import type { ColumnKind } from '@qupersync/contracts';

export type Dialect = 'redshift' | 'postgres';

export interface ComparedColumn {
  /** The column's name on this side (the target's is after entity.rename). */
  readonly name: string;
  readonly kind: ColumnKind;
  /** CHAR(n): trailing blanks carry no meaning, and the two sides keep them differently. */
  readonly blankPadded: boolean;
}

/** Column kinds whose text is not canonical on both sides; verify leaves them out and says so. */
export const uncomparedKinds: ReadonlySet<ColumnKind> = new Set<ColumnKind>(['super', 'varbyte']);

/** A column's value as canonical text (NULL stays NULL). */
/** The same SQL on both sides: every function used here means the same in Redshift and PostgreSQL. */
export function canonicalText(column: ComparedColumn): string {
  const c = `q.${quoteIdentifier(column.name)}`;
  switch (column.kind) {
    case 'smallint':
    case 'integer':
    case 'bigint':
    case 'decimal':
    case 'real':
    case 'double':
    case 'time':
    case 'timetz':
      // Integers, and decimals with their scale ('12.50'), print alike on both sides.
      return `CAST(${c} AS VARCHAR)`;
    case 'boolean':
      return `CASE WHEN ${c} THEN 't' WHEN NOT ${c} THEN 'f' END`;
    case 'text':
      return column.blankPadded ? `RTRIM(${c})` : `CAST(${c} AS VARCHAR)`;
    case 'date':
      return `TO_CHAR(${c}, 'YYYY-MM-DD')`;
    case 'timestamp':
      return `TO_CHAR(${c}, 'YYYY-MM-DD HH24:MI:SS.US')`;
    case 'timestamptz':
      // The instant in UTC, whatever the session's time zone.
      return `TO_CHAR(${c} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')`;
    case 'super':
    case 'varbyte':
      throw new Error(`column ${column.name}: ${column.kind} has no canonical text on both sides`);
  }
}

/**
 * Columns as one text, joined with `|`, NULL as `N`. A text value is length-prefixed (`5:hello`),
 * so `a|b`+`c` never equals `a`+`b|c`; other kinds print only digits, signs, `-`, `:`, `.`, ` `,
 * `t` or `f`, which can neither hold a `|` nor read as `N`, so they go as they are (half the work
 * per value: the database does not reuse a repeated expression).
 */
export function canonicalRow(columns: readonly ComparedColumn[]): string {
  if (columns.length === 0) throw new Error('a canonical row needs at least one column');
  return columns
    .map((column) => {
      const text = canonicalText(column);
      return column.kind === 'text'
        ? `COALESCE(CAST(LENGTH(${text}) AS VARCHAR) || ':' || ${text}, 'N')`
        : `COALESCE(${text}, 'N')`;
    })
    .join(" || '|' || ");
}

/** The first 60 bits of MD5(text) as an integer (15 hex digits), summed as a checksum. */
export function hash60(dialect: Dialect, text: string): string {
  const prefix = `SUBSTRING(MD5(${text}), 1, 15)`;
  return dialect === 'redshift'
    ? `CAST(STRTOL(${prefix}, 16) AS DECIMAL(38, 0))`
    : `CAST(CAST(CAST('x' || ${prefix} AS BIT(60)) AS BIGINT) AS NUMERIC(38, 0))`;
}

export interface ChecksumInput {
  readonly dialect: Dialect;
  /** The FROM source: a quoted table name or a parenthesised query. */
  readonly source: string;
  readonly key: readonly ComparedColumn[];
  readonly columns: readonly ComparedColumn[];
}

export interface ChecksumStatements {
  /**
   * `b` (bucket at `level`), `n`, `s` per bucket; only under `parents` (buckets at level - 1)
   * unless null.
   */
  bucketed(level: number, parents: readonly string[] | null): string;
  /** Each row of `buckets` (at `level`): `k0..kN` (the key's canonical texts), `h` (row MD5). */
  rows(level: number, buckets: readonly string[]): string;
}

/**
 * Bucket names are hex digits this code made, so they go into the SQL as literals: an IN list of
 * constants is a hash lookup per row on both sides, where a long text parameter searched with
 * STRPOS costs its length per row.
 */
function bucketList(buckets: readonly string[]): string {
  if (buckets.length === 0) throw new Error('an empty bucket list');
  return buckets
    .map((bucket) => {
      if (!/^[0-9a-f]{1,8}$/.test(bucket)) throw new Error(`not a bucket name: ${JSON.stringify(bucket)}`);
      return `'${bucket}'`;
    })
    .join(', ');
}

/** Builds one side's statements. */
export function checksumStatements(input: ChecksumInput): ChecksumStatements {
  const keyText = canonicalRow(input.key);
  const rowText = canonicalRow(input.columns);
  const keyHash = `MD5(${keyText})`;
  const sum = `SUM(${hash60(input.dialect, rowText)})`;
  const from = `FROM ${input.source} AS q`;
  const within = (level: number, buckets: readonly string[]): string =>
    `SUBSTRING(${keyHash}, 1, ${level}) IN (${bucketList(buckets)})`;
  return {
    bucketed: (level, parents) =>
      `SELECT SUBSTRING(${keyHash}, 1, ${level}) AS b, COUNT(*) AS n, ${sum} AS s ${from}` +
      (parents === null ? '' : ` WHERE ${within(level - 1, parents)}`) +
      ' GROUP BY 1',
    rows: (level, buckets) =>
      `SELECT ${input.key.map((column, index) => `${canonicalText(column)} AS k${index}`).join(', ')}, MD5(${rowText}) AS h ${from} WHERE ${within(level, buckets)}`,
  };
}
