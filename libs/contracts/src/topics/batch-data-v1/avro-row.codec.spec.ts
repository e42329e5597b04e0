import {
  buildAllKindsRow,
  buildAllKindsSchema,
  buildGeneratedRow,
  buildNullRow,
  buildWideAllKindsSchema,
  seededRandom,
} from '@qupersync/testing';
import { AvroReader, AvroRowCodec, AvroWriter } from './avro-row.codec';
import { avscRowTypeOf } from './batch-container.codec';
import type { BatchRow, BatchSchema } from './batch-schema';

const schema: BatchSchema = buildWideAllKindsSchema();

function encodeRows(rows: readonly BatchRow[]): Buffer {
  const codec = new AvroRowCodec(schema.columns);
  const writer = new AvroWriter(16);
  for (const row of rows) codec.write(writer, row);
  return Buffer.from(writer.buffer.subarray(0, writer.position));
}

describe('AvroRowCodec', () => {
  const avsc = avscRowTypeOf(schema);

  it.each([1, 2, 3, 4, 5])('writes exactly the bytes avsc writes and reads them back (seed %i)', (seed) => {
    const random = seededRandom(seed);
    const rows = Array.from({ length: 400 }, () => buildGeneratedRow(random));
    const ours = encodeRows(rows);
    const reference = Buffer.concat(rows.map((row) => avsc.toBuffer(row)));
    expect(ours.equals(reference)).toBe(true);

    const reader = new AvroReader(reference, 0, reference.length);
    const codec = new AvroRowCodec(schema.columns);
    const decoded = rows.map(() => codec.read(reader));
    expect(reader.position).toBe(reference.length);
    expect(decoded).toEqual(rows.map((row) => avsc.fromBuffer(avsc.toBuffer(row)) as BatchRow));
  });

  it.each([
    '12345.0000000001',
    '-12345.0000000001',
    '999999999999999999.9999999999',
    '-999999999999999999.9999999999',
    '922337203.6854775808',
    '-922337203.6854775808',
    '140737488.3553280000',
    '-140737488.3553280000',
    '8388608.0000000000',
    '-0.0000000000',
    '+5.5',
  ])('writes the bytes avsc writes for the decimal %s', (amount) => {
    const row = { ...buildAllKindsRow(1n), amount };
    expect(encodeRows([row]).equals(avsc.toBuffer(row))).toBe(true);
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
