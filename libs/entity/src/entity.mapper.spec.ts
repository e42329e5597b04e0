import { buildAllKindsRow, buildAllKindsSchema } from '@qupersync/testing';
import type { EntityDefinition } from '@qupersync/config';
import { EntityMapper } from './entity.mapper';

const defaults: EntityDefinition = {
  columns: undefined,
  rename: {},
  required: [],
  rules: [],
  onInvalid: 'skip',
};

describe('EntityMapper', () => {
  const schema = buildAllKindsSchema();

  it('maps every column by name by default, values untouched', () => {
    const mapper = new EntityMapper(schema, defaults, []);
    const row = buildAllKindsRow(42n);
    expect(mapper.map(row)).toEqual({ valid: true, row });
    expect(mapper.targetSchema).toEqual(schema);
  });

  it('selects and renames columns, carrying the key and watermark through the rename', () => {
    const mapper = new EntityMapper(
      schema,
      {
        ...defaults,
        columns: ['id', 'label', 'updated_at'],
        rename: { id: 'order_id', updated_at: 'changed_at' },
      },
      [],
    );
    expect(mapper.targetSchema.columns.map((column) => column.name)).toEqual([
      'order_id',
      'label',
      'changed_at',
    ]);
    expect(mapper.targetSchema.primaryKey).toEqual(['order_id']);
    expect(mapper.targetSchema.watermark).toBe('changed_at');
    expect(mapper.map(buildAllKindsRow(7n))).toEqual({
      valid: true,
      row: { order_id: 7n, label: 'naïve 🚀 text', changed_at: '2038-01-19 03:14:08.123456' },
    });
  });

  it('marks a row invalid when a required field or the key is NULL, with the reason', () => {
    const mapper = new EntityMapper(schema, { ...defaults, required: ['label'] }, []);
    expect(mapper.map(buildAllKindsRow(1n, { label: null }))).toEqual({
      valid: false,
      reason: 'required field(s) missing: label',
    });
    expect(mapper.map(buildAllKindsRow(1n, { label: '' })).valid).toBe(true);
    expect(mapper.map({ ...buildAllKindsRow(1n), id: null })).toEqual({
      valid: false,
      reason: 'required field(s) missing: id',
    });
  });

  it('applies trim and default rules before checking required fields', () => {
    const mapper = new EntityMapper(
      schema,
      {
        ...defaults,
        required: ['label'],
        rules: [
          { type: 'trim', columns: ['label'] },
          { type: 'default', column: 'label', value: 'unknown' },
        ],
      },
      [],
    );
    expect(mapper.map(buildAllKindsRow(1n, { label: '  padded \t' }))).toMatchObject({
      valid: true,
      row: { label: 'padded' },
    });
    expect(mapper.map(buildAllKindsRow(1n, { label: null }))).toMatchObject({
      valid: true,
      row: { label: 'unknown' },
    });
  });

  it('converts a decimal to float only where the job asks for it', () => {
    const mapper = new EntityMapper(schema, defaults, ['amount']);
    expect(mapper.targetSchema.columns.find((column) => column.name === 'amount')?.kind).toBe('double');
    expect(mapper.map(buildAllKindsRow(1n, { amount: '12.5' }))).toMatchObject({ row: { amount: 12.5 } });
  });

  it('refuses an entity that drops the primary key or names a missing column', () => {
    expect(() => new EntityMapper(schema, { ...defaults, columns: ['label'] }, [])).toThrow(/primary key/);
    expect(() => new EntityMapper(schema, { ...defaults, columns: ['id', 'nope'] }, [])).toThrow(/nope/);
  });
});
