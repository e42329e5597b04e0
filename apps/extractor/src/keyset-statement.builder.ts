// Builds the bounded keyset statements an extraction runs as. Each statement reads at most
// `limit` rows strictly after a cursor, in key order, so a table of any size is a sequence of
// small statements and rows that share a watermark value are never skipped at a boundary:
//   full         ORDER BY pk            WHERE pk > :cursor
//   incremental  ORDER BY (wm, pk)      WHERE (wm, pk) > (:wm, :pk) AND wm <= :upper
// The row comparison is spelled out with OR/AND because Redshift has no row-value comparison.
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

/** (a, b, c) > (:x, :y, :z) without row-value syntax. */
export function keysetPredicate(columns: readonly string[], values: readonly string[]): string {
  const [first, ...restColumns] = columns;
  const [value, ...restValues] = values;
  if (first === undefined || value === undefined) throw new Error('a keyset needs at least one column');
  if (restColumns.length === 0) return `${first} > ${value}`;
  return `(${first} > ${value} OR (${first} = ${value} AND ${keysetPredicate(restColumns, restValues)}))`;
}
