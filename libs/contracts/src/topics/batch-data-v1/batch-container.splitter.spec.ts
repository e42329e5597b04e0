import { buildAllKindsRow, buildAllKindsSchema } from '@qupersync/testing';
import { BatchContainerCodec, decodeBatchContainer } from './batch-container.codec';
import { splitBatchContainer } from './batch-container.splitter';

describe('splitBatchContainer', () => {
  const schema = buildAllKindsSchema();
  const codec = new BatchContainerCodec(schema);
  const rows = Array.from({ length: 40 }, (_unused, index) =>
    buildAllKindsRow(BigInt(index + 1), { label: `row ${index} `.padEnd(1_000, 'x') }),
  );

  it('leaves a container that fits as it is', () => {
    const container = codec.encode(rows);
    expect(splitBatchContainer(container, rows.length, container.length)).toEqual([
      { container, rowCount: rows.length },
    ]);
  });

  it('cuts a container that is too large into parts that fit, the rows in order and exact', () => {
    const container = codec.encode(rows);
    const parts = splitBatchContainer(container, rows.length, 12_000);
    expect(parts.length).toBeGreaterThan(3);
    for (const part of parts) expect(part.container.length).toBeLessThanOrEqual(12_000);
    const decoded = parts.map((part) => decodeBatchContainer(part.container));
    expect(parts.map((part) => part.rowCount)).toEqual(decoded.map((part) => part.rows.length));
    for (const part of decoded) expect(part.schema).toEqual(schema);
    expect(decoded.flatMap((part) => part.rows.map((row) => ({ ...row })))).toEqual(rows);
  });

  it('fails, naming the key and the size, when one row alone is too large', () => {
    const container = codec.encode([rows[0] ?? {}, buildAllKindsRow(77n, { label: 'y'.repeat(50_000) })]);
    let thrown: unknown;
    try {
      splitBatchContainer(container, 2, 20_000);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({ code: 'ROW_TOO_LARGE', errorClass: 'permanent' });
    expect(String(thrown)).toMatch(/key \(id=77\) takes 5\d{4} bytes, above the 20000-byte batch limit/);
  });
});
