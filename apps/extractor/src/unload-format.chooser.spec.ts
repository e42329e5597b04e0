import type { BatchColumn, BatchSchema, ColumnKind } from '@qupersync/contracts';
import { chooseUnloadFormat, createUnloadRowConverter, zonedColumns } from './unload-format.chooser';

function column(name: string, kind: ColumnKind): BatchColumn {
  return { name, kind, sqlType: kind, precision: null, scale: null, nullable: true };
}

const plain: BatchSchema = {
  job: 'orders',
  primaryKey: ['id'],
  watermark: null,
  columns: [
    column('id', 'bigint'),
    column('at', 'timestamptz'),
    column('clock', 'time'),
    column('note', 'text'),
  ],
};

describe('chooseUnloadFormat', () => {
  it('unloads Parquet when asked and every column fits', () => {
    expect(chooseUnloadFormat('parquet', plain, {})).toEqual({ format: 'parquet', because: undefined });
    expect(chooseUnloadFormat('csv', plain, {})).toEqual({ format: 'csv', because: undefined });
  });

  it.each(['varbyte', 'super'] as const)('unloads CSV for a %s column, saying why', (kind) => {
    const schema: BatchSchema = { ...plain, columns: [...plain.columns, column('odd', kind)] };
    expect(chooseUnloadFormat('parquet', schema, {})).toEqual({
      format: 'csv',
      because: `column odd is ${kind.toUpperCase()}, which Parquet cannot hold`,
    });
    // Read as text (source.columns as: text), it fits.
    expect(chooseUnloadFormat('parquet', schema, { odd: 'CAST(q."odd" AS VARCHAR(65535))' }).format).toBe(
      'parquet',
    );
  });
});

describe('createUnloadRowConverter', () => {
  it('selects times as text and no NULL-flags column for Parquet', () => {
    const converter = createUnloadRowConverter(plain, 'parquet', {});
    expect(converter.projection).toEqual([
      'CAST(q."id" AS VARCHAR(20)) AS "id"',
      'q."at"',
      'CAST(q."clock" AS VARCHAR(40)) AS "clock"',
      'q."note"',
    ]);
    expect(converter.toRow(['9007199254740993', '2024-01-01 00:00:00.5+00', '23:59:59.999999', ''])).toEqual({
      id: 9007199254740993n,
      at: '2024-01-01 00:00:00.5+00',
      clock: '23:59:59.999999',
      note: '',
    });
    expect(converter.toRow([null, null, null, null])).toEqual({
      id: null,
      at: null,
      clock: null,
      note: null,
    });
  });

  it('keeps the NULL-flags column for CSV', () => {
    expect(createUnloadRowConverter(plain, 'csv', {}).projection.at(-1)).toMatch(/null_flags/);
  });

  it('marks TIMESTAMPTZ columns, whose Parquet instants print in UTC', () => {
    expect(zonedColumns(plain)).toEqual([false, true, false, false]);
  });
});
