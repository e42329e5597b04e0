// Builds the bounded keyset statements an extraction runs as. Each statement reads at most
// `limit` rows strictly after a cursor, in key order, so a table of any size is a sequence of
// small statements and rows that share a watermark value are never skipped at a boundary:
//   full         ORDER BY pk            WHERE pk > :cursor
//   incremental  ORDER BY (wm, pk)      WHERE (wm, pk) > (:wm, :pk) AND wm <= :upper
// The row comparison is spelled out with OR/AND because Redshift has no row-value comparison.
// Rows with a NULL in a key column have no place in key order: every statement leaves them out
// (a composite comparison alone would let a NULL trailing key through), and the extraction reads
// them once, apart, with buildNullKeyStatement, so they are counted as invalid, never dropped.
import { quoteIdentifier } from '@qupersync/config';

export interface KeysetStatementInput {
  /** The FROM source: a quoted table name or a parenthesised query. */
  readonly source: string;
  readonly projection: readonly string[];
  /** Columns to order and page by, most significant first (watermark first when incremental). */
  readonly keyColumns: readonly string[];
  readonly cursor: readonly string[] | null;
  readonly limit: number;
  /** Incremental only: the watermark column, its fixed upper bound, and an optional lookback start. */
  readonly watermark?: {
    readonly column: string;
    readonly upperBound: string;
    readonly lookbackFrom: string | null;
  };
}

export interface KeysetStatement {
  readonly sql: string;
  readonly parameters: Record<string, string>;
}

export function buildKeysetStatement(input: KeysetStatementInput): KeysetStatement {
  const parameters: Record<string, string> = {};
  const conditions: string[] = [];
  const column = (name: string): string => `q.${quoteIdentifier(name)}`;
  if (input.watermark !== undefined) {
    parameters.upper_bound = input.watermark.upperBound;
    conditions.push(`${column(input.watermark.column)} IS NOT NULL`);
    conditions.push(`${column(input.watermark.column)} <= :upper_bound`);
    if (input.watermark.lookbackFrom !== null) {
      parameters.lookback_from = input.watermark.lookbackFrom;
      conditions.push(`${column(input.watermark.column)} >= :lookback_from`);
    }
  }
  for (const name of input.keyColumns)
    if (name !== input.watermark?.column) conditions.push(`${column(name)} IS NOT NULL`);
  if (input.cursor !== null && (input.watermark === undefined || input.watermark.lookbackFrom === null)) {
    if (input.cursor.length !== input.keyColumns.length) {
      throw new Error(`cursor has ${input.cursor.length} values for ${input.keyColumns.length} key columns`);
    }
    input.cursor.forEach((value, index) => (parameters[`cursor_${index}`] = value));
    conditions.push(
      keysetPredicate(
        input.keyColumns.map(column),
        input.keyColumns.map((_, index) => `:cursor_${index}`),
      ),
    );
  }
  const where = conditions.length === 0 ? '' : ` WHERE ${conditions.join(' AND ')}`;
  const orderBy = input.keyColumns.map(column).join(', ');
  return {
    sql: `SELECT ${input.projection.join(', ')} FROM ${input.source} AS q${where} ORDER BY ${orderBy} LIMIT ${input.limit}`,
    parameters,
  };
}

export interface NullKeyStatementInput {
  readonly source: string;
  readonly projection: readonly string[];
  readonly primaryKey: readonly string[];
  readonly limit: number;
  /** Incremental only: the run's window on the watermark column, as the keyset statements have it. */
  readonly watermark?: {
    readonly column: string;
    readonly upperBound: string;
    /** Rows strictly after this watermark value (the stored cursor's), or null from the start. */
    readonly after: string | null;
    readonly lookbackFrom: string | null;
  };
}

/** The rows of the run's range that have a NULL in a primary key column (they cannot be paged by key). */
export function buildNullKeyStatement(input: NullKeyStatementInput): KeysetStatement {
  const parameters: Record<string, string> = {};
  const column = (name: string): string => `q.${quoteIdentifier(name)}`;
  const conditions = [`(${input.primaryKey.map((name) => `${column(name)} IS NULL`).join(' OR ')})`];
  if (input.watermark !== undefined) {
    const watermark = column(input.watermark.column);
    parameters.upper_bound = input.watermark.upperBound;
    conditions.push(`${watermark} IS NOT NULL`, `${watermark} <= :upper_bound`);
    if (input.watermark.lookbackFrom !== null) {
      parameters.lookback_from = input.watermark.lookbackFrom;
      conditions.push(`${watermark} >= :lookback_from`);
    } else if (input.watermark.after !== null) {
      parameters.after_watermark = input.watermark.after;
      conditions.push(`${watermark} > :after_watermark`);
    }
  }
  return {
    sql: `SELECT ${input.projection.join(', ')} FROM ${input.source} AS q WHERE ${conditions.join(' AND ')} LIMIT ${input.limit}`,
    parameters,
  };
}

/** (a, b, c) > (:x, :y, :z) without row-value syntax. */
export function keysetPredicate(columns: readonly string[], values: readonly string[]): string {
  const [first, ...restColumns] = columns;
  const [value, ...restValues] = values;
  if (first === undefined || value === undefined) throw new Error('a keyset needs at least one column');
  if (restColumns.length === 0) return `${first} > ${value}`;
  return `(${first} > ${value} OR (${first} = ${value} AND ${keysetPredicate(restColumns, restValues)}))`;
}
