import { benchSchema } from './bench.table';
import { toBatchRow, toCopyPayload } from './bench-row.converter';

describe('toBatchRow', () => {
  it('gives the values the pipeline carries: bigint, padded decimals, six-digit timestamps', () => {
    const row = toBatchRow(benchSchema.columns, {
      id: '9007199254740993',
      quantity: '42',
      price: '12.5',
      ratio: '-0.0000000001',
      score: '0.14285714285714285',
      active: 't',
      code: 'SKU-00000001-1',
      note: null,
      day: '2024-02-29',
      updated_at: '2024-01-01 00:00:01.5',
    });
    expect(row).toEqual({
      id: 9007199254740993n,
      quantity: 42,
      price: '12.5000',
      ratio: '-0.0000000001',
      score: 0.14285714285714285,
      active: true,
      code: 'SKU-00000001-1',
      note: null,
      day: '2024-02-29',
      updated_at: '2024-01-01 00:00:01.500000',
    });
  });

  it('renders COPY text as the loader does: tabs, \\N for NULL, escapes, one newline per row', () => {
    const columns = benchSchema.columns.filter((column) => ['id', 'note', 'active'].includes(column.name));
    const payload = toCopyPayload(columns, [
      { id: 1n, note: 'tab\there', active: false },
      { id: 2n, note: null, active: null },
    ]);
    expect(payload.toString('utf8')).toBe('1\tf\ttab\\there\n2\t\\N\t\\N\n');
    expect(toCopyPayload(columns, []).length).toBe(0);
  });
});
