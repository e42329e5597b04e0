// What the extractor selects for a batch schema and how each result record becomes an exact row,
// for both Data API result formats. JSON carries NULL as its own Field; CSV carries only text, where
// NULL and '' could look alike, so CSV statements end in a NULL-flags column: '~' followed by one
// '1' or '0' per nullable text-like column. Whatever the service prints for NULL, no text value is
// ever taken for NULL or the other way round; other kinds can never print as '', so there an empty
// field is NULL.
import { quoteIdentifier } from '@qupersync/config';
import type { BatchColumn, BatchRow, BatchSchema, ColumnKind } from '@qupersync/contracts';
import { QuperSyncError } from '@qupersync/contracts';
import { exactSelectExpression, toExactValue } from '@qupersync/entity';
import type { ResultFormat, SourceRecord, SourceValue } from '@qupersync/redshift';

export const nullFlagsColumn = 'qupersync.null_flags';
const flagsMarker = '~';

export interface SourceRowConverter {
  /** The select list of the extraction statements. */
  readonly projection: readonly string[];
  toRow(record: SourceRecord): BatchRow;
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
    const steps = columns.map((column: BatchColumn, index) => (record: SourceRecord, row: BatchRow) => {
      row[column.name] = toExactValue(record[index] ?? null, column);
    });
    return {
      projection,
      toRow(record) {
        const row: BatchRow = {};
        for (const step of steps) step(record, row);
        return row;
      },
    };
  }
  const flagged = columns.filter((column) => column.nullable && isTextLike(column.kind));
  const flags = flagged
    .map((column) => ` || CASE WHEN q.${quoteIdentifier(column.name)} IS NULL THEN '1' ELSE '0' END`)
    .join('');
  let mark = 0;
  const steps = columns.map((column: BatchColumn, index) => {
    if (flagged.includes(column)) {
      const position = ++mark; // its character in the flags, after the marker
      return (record: SourceRecord, row: BatchRow, marks: string) => {
        row[column.name] = marks[position] === '1' ? null : toExactValue(record[index] ?? null, column);
      };
    }
    const textLike = isTextLike(column.kind);
    return (record: SourceRecord, row: BatchRow) => {
      const text: SourceValue = record[index] ?? null;
      row[column.name] = text === '' && !textLike ? null : toExactValue(text, column);
    };
  });
  return {
    projection: [...projection, `'${flagsMarker}'${flags} AS ${quoteIdentifier(nullFlagsColumn)}`],
    toRow(record) {
      const marks = record[columns.length];
      if (typeof marks !== 'string' || marks[0] !== flagsMarker || marks.length !== flagged.length + 1) {
        throw new QuperSyncError(
          'SOURCE_STATEMENT_FAILED',
          'permanent',
          `a CSV record without a valid ${nullFlagsColumn} field (got ${JSON.stringify(marks)})`,
        );
      }
      const row: BatchRow = {};
      for (const step of steps) step(record, row, marks);
      return row;
    },
  };
}
