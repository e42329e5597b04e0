import { buildAllKindsRow, buildAllKindsSchema, buildNullRow } from '@qupersync/testing';
import { BatchContainerCodec, decodeBatchContainer, maxInflatedBlockBytes } from './batch-container.codec';

describe('BatchContainerCodec', () => {
  const schema = buildAllKindsSchema();

  it.each(['null', 'deflate'] as const)('round-trips every kind exactly with the %s codec', (codecName) => {
    const rows = [
      buildAllKindsRow(9007199254740993n),
      buildNullRow(schema, -9223372036854775808n),
      buildAllKindsRow(9223372036854775807n, {
        amount: '-0.0000000001',
        label: '',
        day: '0001-01-01',
        updated_at: '9999-12-31 23:59:59.999999',
        seen_at: '1900-02-28 00:00:00.000000+00',
        measure: Number.NEGATIVE_INFINITY,
      }),
    ];
    const decoded = decodeBatchContainer(new BatchContainerCodec(schema, codecName).encode(rows));
    expect(decoded.schema).toEqual(schema);
    expect(decoded.rows.map((row) => ({ ...row }))).toEqual(rows);
  });

  it('refuses a deflate block that would inflate past the bound, as undecodable', () => {
    // 70 MiB of one letter deflates to kilobytes: a small message that claims a huge batch.
    const bomb = new BatchContainerCodec(schema, 'deflate').encode([
      buildAllKindsRow(4n, { label: 'a'.repeat(maxInflatedBlockBytes + 6 * 1024 * 1024) }),
    ]);
    expect(bomb.length).toBeLessThan(1024 * 1024);
    let thrown: unknown;
    try {
      decodeBatchContainer(bomb);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({ code: 'MESSAGE_UNDECODABLE', errorClass: 'permanent' });
    expect(String(thrown)).toMatch(/batch cannot be decoded/);
  });

  it('keeps an empty string distinct from NULL', () => {
    const rows = [buildAllKindsRow(1n, { label: '' }), buildAllKindsRow(2n, { label: null })];
    const decoded = decodeBatchContainer(new BatchContainerCodec(schema).encode(rows));
    expect(decoded.rows.map((row) => row.label)).toEqual(['', null]);
  });

  it('carries column names that are not Avro names', () => {
    const odd = {
      ...schema,
      columns: schema.columns.map((column, index) =>
        index === 1 ? { ...column, name: 'Small Value' } : column,
      ),
    };
    const row = buildAllKindsRow(3n);
    const { small, ...rest } = row;
    const input = { ...rest, 'Small Value': small ?? null };
    const decoded = decodeBatchContainer(new BatchContainerCodec(odd).encode([input]));
    expect(decoded.rows[0]?.['Small Value']).toBe(-32768);
  });

  it('rejects a decimal with more digits than its scale instead of rounding', () => {
    const codec = new BatchContainerCodec(schema);
    expect(() => codec.encode([buildAllKindsRow(1n, { amount: '1.00000000001' })])).toThrow(
      /cannot be encoded.*1\.00000000001/,
    );
  });

  it('rejects bytes that are not a container', () => {
    expect(() => decodeBatchContainer(Buffer.from('{"json":true}'))).toThrow(/not an Avro object container/);
    expect(() => decodeBatchContainer(null)).toThrow(/not an Avro object container/);
  });
});
