// The loader's COPY payload straight from a batch's Avro bytes must be, byte for byte, the text
// it made from the decoded rows before (toCopyText of every value): edge values of every kind,
// NULLs, both container codecs. The first key's range must be the rows' own.
import { BatchContainerCodec, EncodedBatch } from '@qupersync/contracts';
import type { BatchRow, BatchSchema } from '@qupersync/contracts';
import {
  buildAllKindsRow,
  buildGeneratedRow,
  buildNullRow,
  buildWideAllKindsSchema,
  seededRandom,
} from '@qupersync/testing';
import { copyPayload } from './batch-upserter.service';

const schema: BatchSchema = buildWideAllKindsSchema();

function keyRange(rows: readonly BatchRow[]): { low: bigint; high: bigint } {
  const ids = rows.map((row) => (typeof row.id === 'bigint' ? row.id : BigInt(String(row.id))));
  return {
    low: ids.reduce((low, id) => (id < low ? id : low)),
    high: ids.reduce((high, id) => (id > high ? id : high)),
  };
}

describe('copyPayload of an encoded batch', () => {
  it.each([
    [1, 'null'],
    [2, 'null'],
    [3, 'deflate'],
    [4, 'null'],
  ] as const)('equals the text of its decoded rows (seed %i, codec %s)', (seed, codecName) => {
    const random = seededRandom(seed);
    const rows = [
      ...Array.from({ length: 500 }, () => buildGeneratedRow(random)),
      buildAllKindsRow(7n),
      buildNullRow(schema, 8n),
    ];
    const batch = EncodedBatch.from(new BatchContainerCodec(schema, codecName).encode(rows));
    expect(batch.rowCount).toBe(rows.length);
    const fromRows = copyPayload(schema, batch.rows());
    const fromAvro = copyPayload(schema, batch);
    expect(fromAvro.toString('utf8')).toEqual(fromRows.toString('utf8'));
    expect(fromAvro.equals(fromRows)).toBe(true);
    const range = batch.copyText()?.firstKeyRange;
    expect(range).toBeDefined();
    const expected = keyRange(rows);
    expect({ low: BigInt(range?.low ?? 0), high: BigInt(range?.high ?? 0) }).toEqual(expected);
  });

  it('has no key range when the first key column holds a NULL or is not an integer', () => {
    const withNull = EncodedBatch.from(
      new BatchContainerCodec(schema).encode([
        buildAllKindsRow(1n),
        { ...buildNullRow(schema, 2n), id: null },
      ]),
    );
    expect(withNull.copyText()?.firstKeyRange).toBeNull();
    const textKey: BatchSchema = { ...schema, primaryKey: ['label'] };
    const byLabel = EncodedBatch.from(new BatchContainerCodec(textKey).encode([buildAllKindsRow(1n)]));
    expect(byLabel.copyText()?.firstKeyRange).toBeNull();
  });

  it('refuses a batch whose bytes do not hold its rows', () => {
    const message = new BatchContainerCodec(schema).encode([buildAllKindsRow(1n), buildAllKindsRow(2n)]);
    const corrupt = Buffer.from(message);
    // The first value's union branch becomes 2 (zigzag 4): no such branch.
    corrupt[firstRowStart(message)] = 4;
    expect(() => EncodedBatch.from(corrupt).copyText()).toThrow(
      /batch cannot be decoded: .*invalid union branch 2/,
    );
  });
});

/** Where the first block's rows begin: past the header's sync marker, the row count and the size. */
function firstRowStart(message: Buffer): number {
  const sync = message.subarray(message.length - 16);
  let position = message.indexOf(sync) + 16 + 1; // two rows: a one-byte count
  while (((message[position] ?? 0) & 0x80) !== 0) position++;
  return position + 1;
}
