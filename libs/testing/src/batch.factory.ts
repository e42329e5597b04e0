// Test data factories for batches: one place that knows how to build a valid schema and rows.
import { randomUUID } from 'node:crypto';
import type { BatchColumn, BatchRow, BatchSchema, ColumnKind } from '@qupersync/contracts';

export function buildColumn(
  name: string,
  kind: ColumnKind,
  overrides: Partial<BatchColumn> = {},
): BatchColumn {
  const sqlTypes: Record<ColumnKind, string> = {
    smallint: 'int2',
    integer: 'int4',
    bigint: 'int8',
    decimal: 'numeric',
    real: 'float4',
    double: 'float8',
    boolean: 'bool',
    text: 'varchar',
    date: 'date',
    timestamp: 'timestamp',
    timestamptz: 'timestamptz',
    time: 'time',
    timetz: 'timetz',
    super: 'super',
    varbyte: 'varbyte',
  };
  return {
    name,
    kind,
    sqlType: sqlTypes[kind],
    precision: kind === 'decimal' ? 38 : null,
    scale: kind === 'decimal' ? 10 : null,
    nullable: true,
    ...overrides,
  };
}

/** A schema with one column of every kind, keyed by `id`. */
export function buildAllKindsSchema(job = 'all_kinds'): BatchSchema {
  return {
    job,
    primaryKey: ['id'],
    watermark: 'updated_at',
    columns: [
      buildColumn('id', 'bigint', { nullable: false }),
      buildColumn('small', 'smallint'),
      buildColumn('regular', 'integer'),
      buildColumn('amount', 'decimal'),
      buildColumn('ratio', 'real'),
      buildColumn('measure', 'double'),
      buildColumn('flag', 'boolean'),
      buildColumn('label', 'text'),
      buildColumn('day', 'date'),
      buildColumn('updated_at', 'timestamp'),
      buildColumn('seen_at', 'timestamptz'),
      buildColumn('clock', 'time'),
      buildColumn('clock_tz', 'timetz'),
      buildColumn('document', 'super'),
      buildColumn('blob', 'varbyte'),
    ],
  };
}

export function buildAllKindsRow(id: bigint, overrides: Partial<BatchRow> = {}): BatchRow {
  return {
    id,
    small: -32768,
    regular: 2147483647,
    amount: '1234567890123456789012345678.0123456789',
    ratio: 1.5,
    measure: -0.1,
    flag: true,
    label: 'naïve 🚀 text',
    day: '2024-02-29',
    updated_at: '2038-01-19 03:14:08.123456',
    seen_at: '1969-12-31 23:59:59.999999+00',
    clock: '23:59:59.000001',
    clock_tz: '12:00:00+02',
    document: '{"a":[1,2,{"b":null}]}',
    blob: Buffer.from([0, 1, 254, 255]),
    ...overrides,
  };
}

export function buildNullRow(schema: BatchSchema, id: bigint): BatchRow {
  const row: BatchRow = {};
  for (const column of schema.columns) row[column.name] = null;
  row.id = id;
  return row;
}

export function buildRunId(): string {
  return randomUUID();
}
