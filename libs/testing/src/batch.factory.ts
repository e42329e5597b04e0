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

/** A small deterministic generator (mulberry32), so a failure names a reproducible seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = Math.imul(state ^ (state >>> 15), 1 | state);
    value = (value + Math.imul(value ^ (value >>> 7), 61 | value)) ^ value;
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

/** buildAllKindsSchema with three more decimals: scaled, whole and free (no precision). */
export function buildWideAllKindsSchema(): BatchSchema {
  return {
    ...buildAllKindsSchema(),
    columns: [
      ...buildAllKindsSchema().columns,
      { name: 'price', kind: 'decimal', sqlType: 'numeric', precision: 18, scale: 4, nullable: true },
      { name: 'whole', kind: 'decimal', sqlType: 'numeric', precision: 38, scale: 0, nullable: true },
      { name: 'free', kind: 'decimal', sqlType: 'numeric', precision: null, scale: null, nullable: true },
    ],
  };
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

/**
 * A row of buildWideAllKindsSchema from `random` (seededRandom): edge values of every kind (64-bit
 * and 2^52 boundaries, NaN, -0, infinities, years 1 to 9999, tabs, newlines, NUL, emoji), 10 % NULL.
 */
export function buildGeneratedRow(random: () => number): BatchRow {
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)];
  const digits = (count: number): string =>
    Array.from({ length: count }, (_, index) =>
      String(Math.floor(random() * 10) || (index === 0 ? 1 : 0)),
    ).join('');
  const decimal = (integerDigits: number, scale: number): string => {
    const sign = random() < 0.5 ? '-' : '';
    const integer = integerDigits === 0 ? '0' : digits(integerDigits);
    return scale === 0 ? `${sign}${integer}` : `${sign}${integer}.${digits(scale)}`;
  };
  const year = pick([1, 1583, 1700, 1827, 1900, 1969, 1970, 2024, 2112, 2200, 2262, 9999]);
  const month = 1 + Math.floor(random() * 12);
  const day = 1 + Math.floor(random() * 28);
  const clock = `${pad(Math.floor(random() * 24), 2)}:${pad(Math.floor(random() * 60), 2)}:${pad(Math.floor(random() * 60), 2)}.${pad(Math.floor(random() * 1e6), 6)}`;
  const nullable = <T>(value: T): T | null => (random() < 0.1 ? null : value);
  const bigints = [
    0n,
    1n,
    -1n,
    2n ** 52n - 1n,
    2n ** 52n,
    -(2n ** 52n),
    2n ** 53n + 1n,
    2n ** 63n - 1n,
    -(2n ** 63n),
  ];
  return {
    id: random() < 0.5 ? pick(bigints) : BigInt(Math.floor((random() - 0.5) * 2 ** 40)),
    small: nullable(Math.floor((random() - 0.5) * 65535)),
    regular: nullable(pick([0, -1, 2147483647, -2147483648, Math.floor((random() - 0.5) * 2 ** 31)])),
    amount: nullable(decimal(Math.floor(random() * 29), 10)),
    ratio: nullable(Math.fround(pick([0, -0, 1.5, Number.NaN, Number.POSITIVE_INFINITY, random() * 1e30]))),
    measure: nullable(pick([-0.1, -0, 5e-324, Number.MAX_VALUE, Number.NEGATIVE_INFINITY, random()])),
    flag: nullable(random() < 0.5),
    label: nullable(pick(['', 'a', 'naïve 🚀 text', 'x'.repeat(200), 'tab\tnew\nline', '\u0000nul'])),
    day: nullable(`${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`),
    updated_at: nullable(`${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)} ${clock}`),
    seen_at: nullable(`${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)} ${clock}+00`),
    clock: nullable(clock),
    clock_tz: nullable('12:00:00+02'),
    document: nullable('{"a":[1,2]}'),
    blob: nullable(
      Buffer.from(Array.from({ length: Math.floor(random() * 40) }, () => Math.floor(random() * 256))),
    ),
    price: nullable(decimal(Math.floor(random() * 15), 4)),
    whole: nullable(decimal(1 + Math.floor(random() * 37), 0)),
    free: nullable(decimal(Math.floor(random() * 30), Math.floor(random() * 12))),
  };
}
