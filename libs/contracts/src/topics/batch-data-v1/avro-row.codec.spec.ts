import { buildAllKindsRow, buildAllKindsSchema, buildNullRow } from '@qupersync/testing';
import { AvroReader, AvroRowCodec, AvroWriter } from './avro-row.codec';
import { avscRowTypeOf } from './batch-container.codec';
import type { BatchRow, BatchSchema } from './batch-schema';

/** A small deterministic generator (mulberry32), so a failure names a reproducible seed. */
function randomSource(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = Math.imul(state ^ (state >>> 15), 1 | state);
    value = (value + Math.imul(value ^ (value >>> 7), 61 | value)) ^ value;
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

const schema: BatchSchema = {
  ...buildAllKindsSchema(),
  columns: [
    ...buildAllKindsSchema().columns,
    { name: 'price', kind: 'decimal', sqlType: 'numeric', precision: 18, scale: 4, nullable: true },
    { name: 'whole', kind: 'decimal', sqlType: 'numeric', precision: 38, scale: 0, nullable: true },
    { name: 'free', kind: 'decimal', sqlType: 'numeric', precision: null, scale: null, nullable: true },
  ],
};

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

function generatedRow(random: () => number): BatchRow {
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

function encodeRows(rows: readonly BatchRow[]): Buffer {
  const codec = new AvroRowCodec(schema.columns);
  const writer = new AvroWriter(16);
  for (const row of rows) codec.write(writer, row);
  return Buffer.from(writer.buffer.subarray(0, writer.position));
}

describe('AvroRowCodec', () => {
  const avsc = avscRowTypeOf(schema);

  it.each([1, 2, 3, 4, 5])('writes exactly the bytes avsc writes and reads them back (seed %i)', (seed) => {
    const random = randomSource(seed);
    const rows = Array.from({ length: 400 }, () => generatedRow(random));
    const ours = encodeRows(rows);
    const reference = Buffer.concat(rows.map((row) => avsc.toBuffer(row)));
    expect(ours.equals(reference)).toBe(true);

    const reader = new AvroReader(reference, 0, reference.length);
    const codec = new AvroRowCodec(schema.columns);
    const decoded = rows.map(() => codec.read(reader));
    expect(reader.position).toBe(reference.length);
    expect(decoded).toEqual(rows.map((row) => avsc.fromBuffer(avsc.toBuffer(row)) as BatchRow));
  });

  it('round-trips the factories rows, NULL in every column included', () => {
    const rows = [buildAllKindsRow(1n), buildNullRow(buildAllKindsSchema(), 2n)];
    const bytes = encodeRows(rows);
    const reader = new AvroReader(bytes, 0, bytes.length);
    const codec = new AvroRowCodec(schema.columns);
    expect(rows.map(() => codec.read(reader))).toEqual(
      rows.map((row) => ({ ...row, price: null, whole: null, free: null })),
    );
  });

  it.each([
    ['regular', 2147483648, /regular: not a 32-bit integer/],
    ['id', 2n ** 63n, /id: .*does not fit in 64 bits/],
    ['amount', '1.00000000001', /amount: .*more than 10 decimal places/],
    ['amount', '12e3', /amount: not a decimal number/],
    ['day', '2023-02-29', /day: not a calendar date/],
    ['updated_at', 'yesterday', /updated_at: not a timestamp/],
    ['flag', 'true', /flag: not a boolean/],
  ])('names the column and the value of a %s that does not fit (%p)', (column, value, message) => {
    const row = { ...buildAllKindsRow(1n), [column]: value };
    expect(() => encodeRows([row])).toThrow(message);
  });

  it('rejects truncated and malformed input instead of inventing values', () => {
    const bytes = encodeRows([buildAllKindsRow(7n)]);
    const codec = new AvroRowCodec(schema.columns);
    expect(() => codec.read(new AvroReader(bytes, 0, bytes.length - 3))).toThrow(/truncated|invalid length/);
    const badBranch = Buffer.from([4]);
    expect(() => codec.read(new AvroReader(badBranch, 0, 1))).toThrow(/invalid union branch 2/);
  });
});
