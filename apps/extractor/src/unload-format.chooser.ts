// Which files an UNLOAD writes for a run's columns, and how their rows become exact batch rows.
// Parquet holds most types natively and marks NULL itself, so its SELECT has no NULL-flags column;
// but it has no type for VARBYTE and turns SUPER into JSON, so a run with such a column unloads
// CSV whatever is asked. TIME and TIMETZ go to Parquet as their text, which every reader prints
// alike. Everything else travels in its own Parquet type and is read back exactly (see
// @qupersync/object-store's Parquet reader).
import { quoteIdentifier } from '@qupersync/config';
import type { BatchSchema, ColumnKind } from '@qupersync/contracts';
import { createSourceRowConverter, type SourceRowConverter } from './source-row.converter';

export type UnloadFileFormat = 'csv' | 'parquet';

export interface UnloadFormatChoice {
  readonly format: UnloadFileFormat;
  /** Why a run that asked for Parquet unloads CSV. */
  readonly because: string | undefined;
}

function parquetCannotHold(kind: ColumnKind): boolean {
  switch (kind) {
    case 'varbyte':
    case 'super':
      return true;
    case 'smallint':
    case 'integer':
    case 'bigint':
    case 'decimal':
    case 'real':
    case 'double':
    case 'boolean':
    case 'text':
    case 'date':
    case 'timestamp':
    case 'timestamptz':
    case 'time':
    case 'timetz':
      return false;
  }
}

export function chooseUnloadFormat(
  requested: UnloadFileFormat,
  schema: BatchSchema,
  expressions: Readonly<Record<string, string>>,
): UnloadFormatChoice {
  if (requested === 'csv') return { format: 'csv', because: undefined };
  const column = schema.columns.find(
    (candidate) => expressions[candidate.name] === undefined && parquetCannotHold(candidate.kind),
  );
  return column === undefined
    ? { format: 'parquet', because: undefined }
    : {
        format: 'csv',
        because: `column ${column.name} is ${column.kind.toUpperCase()}, which Parquet cannot hold`,
      };
}

/** The SELECT list and row conversion of an UNLOAD in this format. */
export function createUnloadRowConverter(
  schema: BatchSchema,
  format: UnloadFileFormat,
  expressions: Readonly<Record<string, string>>,
): SourceRowConverter {
  if (format === 'csv') return createSourceRowConverter(schema, 'CSV', expressions);
  const asText: Record<string, string> = {};
  for (const column of schema.columns)
    if (column.kind === 'time' || column.kind === 'timetz')
      asText[column.name] = `CAST(q.${quoteIdentifier(column.name)} AS VARCHAR(40))`;
  // Parquet values arrive typed, NULL as null: the JSON-format conversion fits them.
  return createSourceRowConverter(schema, 'JSON', { ...asText, ...expressions });
}

/** Per column: whether Parquet's UTC instant prints as a TIMESTAMPTZ (+00). */
export function zonedColumns(schema: BatchSchema): boolean[] {
  return schema.columns.map((column) => column.kind === 'timestamptz');
}
