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
import { QuperSyncError } from '@qupersync/contracts';
import type { BatchColumn } from '@qupersync/contracts';

/**
 * The SQL type each key and watermark column's values are cast to (castTypeOf). Data API
 * parameters are strings, and Redshift compares a number with a string as text: `id > '999'`
 * would skip ids. Every bound value is therefore written CAST(:name AS <the column's type>).
 */
export type ColumnCastTypes = Readonly<Record<string, string>>;

/**
 * `CAST(:name AS type)`, recording the value; an empty string (which the Data API refuses as a
 * parameter) becomes the typed literal `CAST('' AS type)` instead.
 */
function bind(parameters: Record<string, string>, name: string, value: string, type: string): string {
  if (value === '') return `CAST('' AS ${type})`;
  parameters[name] = value;
  return `CAST(:${name} AS ${type})`;
}

function castTypeFor(types: ColumnCastTypes, column: string): string {
  const type = types[column];
  if (type === undefined) throw new Error(`no cast type for column ${column}`);
  return type;
}

export interface KeysetStatementInput {
  /** The FROM source: a quoted table name or a parenthesised query. */
  readonly source: string;
  readonly castTypes: ColumnCastTypes;
  readonly projection: readonly string[];
  /** Columns to order and page by, most significant first (watermark first when incremental). */
  readonly keyColumns: readonly string[];
  readonly cursor: readonly string[] | null;
  /** Rows per statement; null = every row of the range, in no order (UNLOAD's SELECT). */
  readonly limit: number | null;
  /** desc: the range's last rows first (the greatest key an UNLOAD read). */
  readonly order?: 'asc' | 'desc';
  /**
   * The sort-key range's upper bound on the first key column (inclusive), so zone maps skip every
   * block above it; null for the last range, which is open above.
   */
  readonly rangeUpTo?: string | null;
  /**
   * Key columns of a case-insensitive collation: compared and ordered through
   * COLLATE(<col>, 'case_sensitive'), since keys that compare equal (`a`, `A`) would let a page
   * boundary between them skip one.
   */
  readonly caseInsensitiveColumns?: readonly string[];
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
  const collated = new Set(input.caseInsensitiveColumns ?? []);
  const column = (name: string): string =>
    collated.has(name)
      ? `COLLATE(q.${quoteIdentifier(name)}, 'case_sensitive')`
      : `q.${quoteIdentifier(name)}`;
  if (input.watermark !== undefined) {
    const type = castTypeFor(input.castTypes, input.watermark.column);
    conditions.push(`${column(input.watermark.column)} IS NOT NULL`);
    conditions.push(
      `${column(input.watermark.column)} <= ${bind(parameters, 'upper_bound', input.watermark.upperBound, type)}`,
    );
    if (input.watermark.lookbackFrom !== null) {
      conditions.push(
        `${column(input.watermark.column)} >= ${bind(parameters, 'lookback_from', input.watermark.lookbackFrom, type)}`,
      );
    }
  }
  for (const name of input.keyColumns)
    if (name !== input.watermark?.column) conditions.push(`${column(name)} IS NOT NULL`);
  const lead = input.keyColumns[0];
  if (input.rangeUpTo !== undefined && input.rangeUpTo !== null && lead !== undefined) {
    conditions.push(
      `${column(lead)} <= ${bind(parameters, 'range_to', input.rangeUpTo, castTypeFor(input.castTypes, lead))}`,
    );
  }
  if (input.cursor !== null && (input.watermark === undefined || input.watermark.lookbackFrom === null)) {
    if (input.cursor.length !== input.keyColumns.length) {
      throw new Error(`cursor has ${input.cursor.length} values for ${input.keyColumns.length} key columns`);
    }
    const cursor = input.cursor;
    const first = input.keyColumns[0];
    if (input.keyColumns.length > 1 && first !== undefined && (cursor[0] ?? '') !== '') {
      // Implied by the comparison below, but a plain bound on the leading column is what lets
      // zone maps (Redshift) and BRIN (the local warehouse) skip the blocks before the cursor.
      conditions.push(
        `${column(first)} >= ${bind(parameters, 'cursor_floor', cursor[0] ?? '', castTypeFor(input.castTypes, first))}`,
      );
    }
    conditions.push(
      keysetPredicate(
        input.keyColumns.map(column),
        input.keyColumns.map((name, index) =>
          bind(parameters, `cursor_${index}`, cursor[index] ?? '', castTypeFor(input.castTypes, name)),
        ),
      ),
    );
  }
  const where = conditions.length === 0 ? '' : ` WHERE ${conditions.join(' AND ')}`;
  const select = `SELECT ${input.projection.join(', ')} FROM ${input.source} AS q${where}`;
  if (input.limit === null) return { sql: select, parameters };
  const direction = input.order === 'desc' ? ' DESC' : '';
  const orderBy = input.keyColumns.map((name) => `${column(name)}${direction}`).join(', ');
  return { sql: `${select} ORDER BY ${orderBy} LIMIT ${input.limit}`, parameters };
}

export interface NullKeyStatementInput {
  readonly source: string;
  readonly castTypes: ColumnCastTypes;
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
    const type = castTypeFor(input.castTypes, input.watermark.column);
    conditions.push(
      `${watermark} IS NOT NULL`,
      `${watermark} <= ${bind(parameters, 'upper_bound', input.watermark.upperBound, type)}`,
    );
    if (input.watermark.lookbackFrom !== null) {
      conditions.push(
        `${watermark} >= ${bind(parameters, 'lookback_from', input.watermark.lookbackFrom, type)}`,
      );
    } else if (input.watermark.after !== null) {
      // >=, not >: a NULL-key row committed later with the stored watermark's own value has no key
      // to place it after the stored cursor, so it is read (again, at worst) rather than never.
      conditions.push(`${watermark} >= ${bind(parameters, 'after_watermark', input.watermark.after, type)}`);
    }
  }
  return {
    sql: `SELECT ${input.projection.join(', ')} FROM ${input.source} AS q WHERE ${conditions.join(' AND ')} LIMIT ${input.limit}`,
    parameters,
  };
}

export interface KeyListStatementInput {
  readonly source: string;
  readonly castTypes: ColumnCastTypes;
  readonly projection: readonly string[];
  readonly primaryKey: readonly string[];
  /** Key tuples, text values in primary-key order. */
  readonly keys: readonly (readonly string[])[];
  readonly caseInsensitiveColumns?: readonly string[];
}

/**
 * The rows of a keyed run (replay) whose primary key is one of `keys`: `pk IN (…)` for a single
 * column, an OR of ANDed equalities for a composite key. Every value is bound and cast to its
 * column's type, like the keyset statements' cursors; case-insensitive key columns compare case
 * sensitively, so `a` does not also fetch `A`.
 */
export function buildKeyListStatement(input: KeyListStatementInput): KeysetStatement {
  if (input.keys.length === 0) throw new Error('a key list statement needs at least one key');
  const parameters: Record<string, string> = {};
  const collated = new Set(input.caseInsensitiveColumns ?? []);
  const column = (name: string): string =>
    collated.has(name)
      ? `COLLATE(q.${quoteIdentifier(name)}, 'case_sensitive')`
      : `q.${quoteIdentifier(name)}`;
  const value = (key: readonly string[], keyIndex: number, columnIndex: number, name: string): string => {
    if (key.length !== input.primaryKey.length)
      throw new Error(`key ${keyIndex} has ${key.length} values for ${input.primaryKey.length} key columns`);
    return bind(
      parameters,
      `k${keyIndex}_${columnIndex}`,
      key[columnIndex] ?? '',
      castTypeFor(input.castTypes, name),
    );
  };
  const [only] = input.primaryKey;
  const condition =
    input.primaryKey.length === 1 && only !== undefined
      ? `${column(only)} IN (${input.keys.map((key, index) => value(key, index, 0, only)).join(', ')})`
      : input.keys
          .map(
            (key, index) =>
              `(${input.primaryKey.map((name, columnIndex) => `${column(name)} = ${value(key, index, columnIndex, name)}`).join(' AND ')})`,
          )
          .join(' OR ');
  return {
    sql: `SELECT ${input.projection.join(', ')} FROM ${input.source} AS q WHERE ${condition}`,
    parameters,
  };
}

/** The Redshift type a column's bound values are cast to: its own type, as the source reports it. */
export function castTypeOf(column: BatchColumn): string {
  const length = column.precision !== null && column.precision > 0 ? column.precision : null;
  switch (column.kind) {
    case 'smallint':
      return 'SMALLINT';
    case 'integer':
      return 'INTEGER';
    case 'bigint':
      return 'BIGINT';
    case 'decimal':
      return length === null ? 'NUMERIC' : `NUMERIC(${length}, ${column.scale ?? 0})`;
    case 'real':
      return 'REAL';
    case 'double':
      return 'DOUBLE PRECISION';
    case 'boolean':
      return 'BOOLEAN';
    case 'text': {
      const fixed = ['char', 'bpchar', 'character', 'nchar'].includes(column.sqlType.toLowerCase());
      // CHAR without a length is CHAR(1) in Redshift and would cut the value: VARCHAR then.
      if (fixed) return length === null ? 'VARCHAR(65535)' : `CHAR(${length})`;
      return length === null ? 'VARCHAR(65535)' : `VARCHAR(${length})`;
    }
    case 'date':
      return 'DATE';
    case 'timestamp':
      return 'TIMESTAMP';
    case 'timestamptz':
      return 'TIMESTAMPTZ';
    case 'time':
      return 'TIME';
    case 'timetz':
      return 'TIMETZ';
    case 'super':
    case 'varbyte':
      throw new QuperSyncError(
        'MESSAGE_INVALID',
        'permanent',
        `column ${column.name} (${column.sqlType}) cannot be a key or watermark: its values have no order to page by`,
      );
  }
}

/** (a, b, c) > (:x, :y, :z) without row-value syntax. */
export function keysetPredicate(columns: readonly string[], values: readonly string[]): string {
  const [first, ...restColumns] = columns;
  const [value, ...restValues] = values;
  if (first === undefined || value === undefined) throw new Error('a keyset needs at least one column');
  if (restColumns.length === 0) return `${first} > ${value}`;
  return `(${first} > ${value} OR (${first} = ${value} AND ${keysetPredicate(restColumns, restValues)}))`;
}
