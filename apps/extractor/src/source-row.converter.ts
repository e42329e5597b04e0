// What the extractor selects for a batch schema and how each result record becomes an exact row,
// for both Data API result formats. JSON carries NULL as its own Field; CSV carries only text, where
// NULL and '' could look alike, so CSV statements end in a NULL-flags column: '~' followed by one
// '1' or '0' per nullable text-like column. Whatever the service prints for NULL, no text value is
// ever taken for NULL or the other way round; other kinds can never print as '', so there an empty
// field is NULL.
import { quoteIdentifier } from '@qupersync/config';
import type { BatchColumn, BatchRow, BatchSchema, ColumnKind, ExactValue } from '@qupersync/contracts';
import { QuperSyncError } from '@qupersync/contracts';
import { exactSelectExpression, toExactValue } from '@qupersync/entity';
import type { ResultFormat, SourceRecord, SourceValue } from '@qupersync/redshift';

export const nullFlagsColumn = 'qupersync.null_flags';
const flagsMarker = '~';

export interface SourceRowConverter {
  /** The select list of the extraction statements. */
  readonly projection: readonly string[];
  toRow(record: SourceRecord): BatchRow;
  /** The exact value of column `index` (in the batch schema's order): toRow(record)'s. */
  valueAt(record: SourceRecord, index: number): ExactValue;
  /**
   * Every column's exact value into `values`, in the batch schema's order, without building the
   * row (BatchContainerCodec.encodeFrom). A column's error names it.
   */
  readonly fill: (record: SourceRecord, values: ExactValue[]) => void;
}

function isTextLike(kind: ColumnKind): boolean {
  switch (kind) {
    case 'text':
    case 'timetz':
    case 'super':
      return true;
    case 'smallint':
    case 'integer':
    case 'bigint':
    case 'decimal':
    case 'real':
    case 'double':
    case 'boolean':
    case 'date':
    case 'timestamp':
    case 'timestamptz':
    case 'time':
    case 'varbyte':
      return false;
  }
}

/**
 * A column's exact value from its field. A BIGINT printed in at most 15 digits comes back as a
 * Number (exact, and what the Avro writer wants); longer ones as BigInt, as toExactValue makes them.
 */
function exactValueOf(column: BatchColumn): (value: SourceValue) => ExactValue {
  if (column.kind !== 'bigint') return (value) => toExactValue(value, column);
  return (value) =>
    typeof value === 'string' && isShortInteger(value) ? Number(value) : toExactValue(value, column);
}

/** An error converting column `index`, naming the column (a QuperSyncError stands as it is). */
function namedError(columns: readonly BatchColumn[], index: number, error: unknown): unknown {
  if (error instanceof QuperSyncError || !(error instanceof Error)) return error;
  const name = columns[index]?.name ?? String(index);
  return error.message.startsWith(`${name}:`) ? error : new RangeError(`${name}: ${error.message}`);
}

function namedErrors(columns: readonly BatchColumn[], index: number, convert: () => ExactValue): ExactValue {
  try {
    return convert();
  } catch (error) {
    throw namedError(columns, index, error);
  }
}

/** A row holds BIGINT as bigint (toExactValue's contract), whatever valueAt passes the writer. */
function asRowValue(column: BatchColumn, value: ExactValue): ExactValue {
  return column.kind === 'bigint' && typeof value === 'number' ? BigInt(value) : value;
}

function isShortInteger(text: string): boolean {
  const start = text.charCodeAt(0) === 45 /* - */ ? 1 : 0;
  const length = text.length - start;
  if (length < 1 || length > 15) return false;
  for (let index = start; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code < 48 || code > 57) return false;
  }
  return true;
}

/**
 * `expressions`: columns read through an expression instead of as they are (source.columns
 * `as: text`), by name: the value's SQL, e.g. `CAST(q."span" AS VARCHAR(65535))`.
 */
export function createSourceRowConverter(
  schema: BatchSchema,
  format: ResultFormat,
  expressions: Readonly<Record<string, string>> = {},
): SourceRowConverter {
  const columns = schema.columns;
  const projection = columns.map((column) => {
    const expression = expressions[column.name];
    return expression === undefined
      ? exactSelectExpression(quoteIdentifier(column.name), column.kind)
      : `${expression} AS ${quoteIdentifier(column.name)}`;
  });
  if (format === 'JSON') {
    const values = columns.map((column: BatchColumn, index) => {
      const exact = exactValueOf(column);
      return (record: SourceRecord) => exact(record[index] ?? null);
    });
    return {
      projection,
      toRow(record) {
        const row: BatchRow = {};
        columns.forEach((column, index) => {
          row[column.name] = asRowValue(column, values[index]?.(record) ?? null);
        });
        return row;
      },
      valueAt(record, index) {
        return values[index]?.(record) ?? null;
      },
      fill(record, into) {
        for (let index = 0; index < values.length; index++)
          into[index] = namedErrors(columns, index, () => values[index]?.(record) ?? null);
      },
    };
  }
  const flagged = columns.filter((column) => column.nullable && isTextLike(column.kind));
  const flags = flagged
    .map((column) => ` || CASE WHEN q.${quoteIdentifier(column.name)} IS NULL THEN '1' ELSE '0' END`)
    .join('');
  let mark = 0;
  const values = columns.map((column: BatchColumn, index) => {
    const exact = exactValueOf(column);
    if (flagged.includes(column)) {
      const position = ++mark; // its character in the flags, after the marker
      return (record: SourceRecord, marks: string): ExactValue =>
        marks[position] === '1' ? null : exact(record[index] ?? null);
    }
    const textLike = isTextLike(column.kind);
    return (record: SourceRecord): ExactValue => {
      const text: SourceValue = record[index] ?? null;
      return text === '' && !textLike ? null : exact(text);
    };
  });
  const marksOf = (record: SourceRecord): string => {
    const marks = record[columns.length];
    if (typeof marks !== 'string' || marks[0] !== flagsMarker || marks.length !== flagged.length + 1) {
      throw new QuperSyncError(
        'SOURCE_STATEMENT_FAILED',
        'permanent',
        `a CSV record without a valid ${nullFlagsColumn} field (got ${JSON.stringify(marks)})`,
      );
    }
    return marks;
  };
  return {
    projection: [...projection, `'${flagsMarker}'${flags} AS ${quoteIdentifier(nullFlagsColumn)}`],
    toRow(record) {
      const marks = marksOf(record);
      const row: BatchRow = {};
      columns.forEach((column, index) => {
        row[column.name] = asRowValue(column, values[index]?.(record, marks) ?? null);
      });
      return row;
    },
    valueAt(record, index) {
      return values[index]?.(record, marksOf(record)) ?? null;
    },
    fill(record, into) {
      const marks = marksOf(record);
      for (let index = 0; index < values.length; index++) {
        const value = values[index];
        try {
          into[index] = value === undefined ? null : value(record, marks);
        } catch (error) {
          throw namedError(columns, index, error);
        }
      }
    },
  };
}
