import { buildAllKindsRow, buildAllKindsSchema, buildColumn } from '@qupersync/testing';
import type { EntityDefinition, EntityRule, JobDefinition } from '@qupersync/config';
import { QuperSyncError } from '@qupersync/contracts';
import type { BatchRow } from '@qupersync/contracts';
import { buildCurrencyRates } from './currency.converter';
import { createRowMapper, EntityMapper } from './entity.mapper';
import { ratesTableKey } from './entity-rule.compiler';
import { EntityRowReader } from './entity-row.reader';
import { EntityValidationError, RegisteredEntity } from './registered-entity.registry';

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

  it('passes a batch through only when no row can change or be rejected', () => {
    // buildAllKindsSchema declares id NOT NULL and every other column nullable.
    const nullableKey = {
      ...schema,
      columns: schema.columns.map((column) => ({ ...column, nullable: true })),
    };
    const cases: Array<[string, EntityMapper, boolean]> = [
      ['the default entity', new EntityMapper(schema, defaults, []), true],
      [
        'every column listed in order',
        new EntityMapper(schema, { ...defaults, columns: schema.columns.map((c) => c.name) }, []),
        true,
      ],
      ['a key that may be NULL', new EntityMapper(nullableKey, defaults, []), false],
      [
        'a nullable required column',
        new EntityMapper(schema, { ...defaults, required: ['label'] }, []),
        false,
      ],
      ['a rename', new EntityMapper(schema, { ...defaults, rename: { label: 'title' } }, []), false],
      [
        'a rule',
        new EntityMapper(schema, { ...defaults, rules: [{ type: 'trim', columns: ['label'] }] }, []),
        false,
      ],
      ['numeric_as_float', new EntityMapper(schema, defaults, ['amount']), false],
      ['a selection', new EntityMapper(schema, { ...defaults, columns: ['id', 'label'] }, []), false],
      [
        'a reordering',
        new EntityMapper(schema, { ...defaults, columns: schema.columns.map((c) => c.name).reverse() }, []),
        false,
      ],
    ];
    for (const [name, mapper, expected] of cases)
      expect([name, mapper.passesThrough]).toEqual([name, expected]);
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

  it('refuses rules, required fields and renames that name unknown columns, as BATCH_INVALID', () => {
    const build = (entity: Partial<EntityDefinition>): EntityMapper =>
      new EntityMapper(schema, { ...defaults, ...entity }, []);
    const attempt = (entity: Partial<EntityDefinition>): unknown => {
      try {
        build(entity);
      } catch (error) {
        return error;
      }
      return undefined;
    };
    const error = attempt({ rules: [{ type: 'trim', columns: ['label', 'lable'] }] });
    expect(error).toBeInstanceOf(QuperSyncError);
    expect(error).toMatchObject({ code: 'BATCH_INVALID', errorClass: 'permanent' });
    expect(String(error)).toMatch(/rule 1 \(trim\): column "lable" is not in the entity/);
    expect(() => build({ required: ['nope'] })).toThrow(/required names columns not in the entity: nope/);
    expect(() => build({ rename: { nope: 'x' } })).toThrow(/rename names columns/);
    expect(() => build({ rules: [{ type: 'case', columns: ['small'], to: 'upper' }] })).toThrow(
      /column "small" is smallint; expected text/,
    );
    expect(() => build({ rules: [{ type: 'default', column: 'id', value: 'x' }] })).toThrow(
      /default for column id \(bigint\)/,
    );
    expect(() =>
      build({ rules: [{ type: 'truncate_date', column: 'clock', unit: 'day', time_zone: 'UTC' }] }),
    ).toThrow(/expected date or timestamp or timestamptz/);
  });

  it('applies case and computed rules in order, on renamed columns', () => {
    const mapper = new EntityMapper(
      schema,
      {
        ...defaults,
        rename: { label: 'name' },
        rules: [
          { type: 'trim', columns: ['name'] },
          { type: 'case', columns: ['name'], to: 'upper' },
          {
            type: 'computed',
            column: 'summary',
            op: 'concat',
            columns: ['name', 'id', 'flag', 'measure'],
            separator: '|',
          },
          { type: 'computed', column: 'best_time', op: 'coalesce', columns: ['updated_at', 'updated_at'] },
          { type: 'case', columns: ['summary'], to: 'lower' },
        ],
      },
      [],
    );
    expect(mapper.targetSchema.columns.slice(-2)).toEqual([
      { name: 'summary', kind: 'text', sqlType: 'text', precision: null, scale: null, nullable: true },
      { ...buildColumn('updated_at', 'timestamp'), name: 'best_time' },
    ]);
    expect(mapper.map(buildAllKindsRow(5n, { label: ' naïve 🚀 ', measure: -0 }))).toMatchObject({
      valid: true,
      row: { name: 'NAÏVE 🚀', summary: 'naïve 🚀|5|true|-0', best_time: '2038-01-19 03:14:08.123456' },
    });
    expect(mapper.map(buildAllKindsRow(5n, { label: null, flag: null, measure: Number.NaN }))).toMatchObject({
      row: { summary: '5|nan' },
    });
  });

  it('skips NULLs in concat and yields NULL when every input is NULL; coalesce takes the first value', () => {
    const mapper = new EntityMapper(
      schema,
      {
        ...defaults,
        rules: [
          {
            type: 'computed',
            column: 'both',
            op: 'concat',
            columns: ['label', 'document'],
            separator: ' / ',
          },
          { type: 'computed', column: 'first', op: 'coalesce', columns: ['label', 'both'] },
        ],
      },
      [],
    );
    expect(mapper.map(buildAllKindsRow(1n, { label: null, document: null }))).toMatchObject({
      row: { both: null, first: null },
    });
    expect(mapper.map(buildAllKindsRow(1n, { label: null }))).toMatchObject({
      row: { both: '{"a":[1,2,{"b":null}]}', first: '{"a":[1,2,{"b":null}]}' },
    });
    expect(
      () =>
        new EntityMapper(
          schema,
          {
            ...defaults,
            rules: [{ type: 'computed', column: 'x', op: 'coalesce', columns: ['label', 'id'] }],
          },
          [],
        ),
    ).toThrow(/coalesce needs columns of one type/);
    expect(
      () =>
        new EntityMapper(
          schema,
          { ...defaults, rules: [{ type: 'computed', column: 'label', op: 'concat', columns: ['id'] }] },
          [],
        ),
    ).toThrow(/already exists/);
  });

  it('converts defaults to the column kind: a bigint default is a bigint, a decimal one has the scale', () => {
    const mapper = new EntityMapper(
      schema,
      {
        ...defaults,
        rules: [
          { type: 'default', column: 'regular', value: '-2147483648' },
          { type: 'default', column: 'amount', value: '0.5' },
          { type: 'default', column: 'day', value: '2000-02-29' },
          { type: 'default', column: 'measure', value: '-Infinity' },
        ],
      },
      [],
    );
    expect(
      mapper.map(buildAllKindsRow(1n, { regular: null, amount: null, day: null, measure: null })),
    ).toMatchObject({
      row: {
        regular: -2147483648,
        amount: '0.5000000000',
        day: '2000-02-29',
        measure: Number.NEGATIVE_INFINITY,
      },
    });
    const big = new EntityMapper(
      { ...schema, primaryKey: ['regular'] },
      { ...defaults, rules: [{ type: 'default', column: 'id', value: '9007199254740993' }] },
      [],
    );
    expect(big.map({ ...buildAllKindsRow(1n), id: null })).toMatchObject({ row: { id: 9007199254740993n } });
  });

  it('truncates date, timestamp and timestamptz columns, the last in the job’s time zone', () => {
    const rules: EntityRule[] = [
      { type: 'truncate_date', column: 'day', unit: 'month', time_zone: 'UTC' },
      { type: 'truncate_date', column: 'updated_at', unit: 'week', time_zone: 'America/New_York' },
      { type: 'truncate_date', column: 'seen_at', unit: 'day', time_zone: 'America/New_York' },
    ];
    const mapper = new EntityMapper(schema, { ...defaults, rules }, []);
    expect(
      mapper.map(buildAllKindsRow(1n, { seen_at: '2024-03-11 03:59:59.999999+00', day: '1960-02-29' })),
    ).toMatchObject({
      row: {
        day: '1960-02-01',
        updated_at: '2038-01-18 00:00:00.000000',
        seen_at: '2024-03-10 05:00:00.000000+00',
      },
    });
    expect(mapper.map(buildAllKindsRow(1n, { seen_at: null, day: null }))).toMatchObject({
      row: { seen_at: null, day: null },
    });
  });

  it('converts currencies from configured rates into a new numeric(38, scale) column', () => {
    const currencySchema = {
      ...schema,
      columns: [...schema.columns, buildColumn('currency', 'text'), buildColumn('cents', 'bigint')],
    };
    const mapper = new EntityMapper(
      currencySchema,
      {
        ...defaults,
        rules: [
          {
            type: 'currency',
            amount_column: 'amount',
            currency_column: 'currency',
            base_currency: 'USD',
            rates: { EUR: '1.0842' },
            minor_units: false,
            target_column: 'amount_usd',
            scale: 2,
          },
          {
            type: 'currency',
            amount_column: 'cents',
            currency_column: 'currency',
            base_currency: 'USD',
            rates: { EUR: '1.0842' },
            minor_units: true,
            scale: 4,
          },
        ],
      },
      [],
    );
    const columns = mapper.targetSchema.columns;
    expect(columns.find((column) => column.name === 'amount_usd')).toMatchObject({
      kind: 'decimal',
      precision: 38,
      scale: 2,
    });
    expect(columns.find((column) => column.name === 'cents')).toMatchObject({
      kind: 'decimal',
      precision: 38,
      scale: 4,
    });
    expect(
      mapper.map(buildAllKindsRow(1n, { amount: '10.0000000000', currency: 'EUR', cents: 1005n })),
    ).toMatchObject({
      valid: true,
      row: { amount: '10.0000000000', amount_usd: '10.84', cents: '10.8962' },
    });
    expect(mapper.map(buildAllKindsRow(1n, { currency: 'CHF', cents: 1n }))).toEqual({
      valid: false,
      reason: 'rule 1 (currency): amount: unknown currency "CHF": no rate to USD in the job\'s rates',
    });
  });

  it('reads rates tables from the batch inputs', () => {
    const currencySchema = { ...schema, columns: [...schema.columns, buildColumn('currency', 'text')] };
    const ratesTable = {
      table: { schema: 'public', name: 'fx' },
      currency_column: 'code',
      rate_column: 'rate',
      cache_seconds: 60,
    };
    const mapper = new EntityMapper(
      currencySchema,
      {
        ...defaults,
        rules: [
          {
            type: 'currency',
            amount_column: 'amount',
            currency_column: 'currency',
            base_currency: 'EUR',
            rates_table: ratesTable,
            minor_units: false,
            scale: 10,
          },
        ],
      },
      [],
    );
    expect(mapper.ratesTables).toEqual([ratesTable]);
    const inputs = {
      ratesTables: new Map([[ratesTableKey(ratesTable), buildCurrencyRates('fx', [['USD', '0.9']])]]),
    };
    expect(
      mapper.map(buildAllKindsRow(1n, { amount: '-1.0000000001', currency: 'usd' }), inputs),
    ).toMatchObject({
      row: { amount: '-0.9000000001' },
    });
  });
});

@RegisteredEntity('SpecLabelEntity', {
  sourceColumns: ['id', 'label'],
  columns: [
    { name: 'id', sameAs: 'id' },
    { name: 'label_length', kind: 'integer' },
  ],
})
class SpecLabelEntity {
  readonly id: bigint;
  readonly length: number;

  constructor(source: Readonly<BatchRow>) {
    const row = new EntityRowReader(source);
    this.id = row.requiredBigint('id');
    const label = row.requiredText('label');
    if (label === 'boom') throw new TypeError('a bug');
    if (label.length === 0) throw new EntityValidationError('label is empty');
    this.length = [...label].length;
  }

  toRow(): BatchRow {
    return { id: this.id, label_length: this.length };
  }
}

describe('registered entity classes', () => {
  const schema = buildAllKindsSchema();
  const job = (className: string): Pick<JobDefinition, 'entity' | 'numericAsFloat'> => ({
    numericAsFloat: [],
    entity: { ...defaults, className },
  });

  it('maps through the class and dead-letters what its constructor rejects', () => {
    expect(SpecLabelEntity.name).toBe('SpecLabelEntity');
    const mapper = createRowMapper(schema, job('SpecLabelEntity'));
    expect(mapper.targetSchema.columns.map((column) => column.name)).toEqual(['id', 'label_length']);
    expect(mapper.map(buildAllKindsRow(3n, { label: 'a🚀' }))).toEqual({
      valid: true,
      row: { id: 3n, label_length: 2 },
    });
    expect(mapper.map(buildAllKindsRow(3n, { label: '' }))).toEqual({
      valid: false,
      reason: 'SpecLabelEntity: label is empty',
    });
    expect(mapper.map(buildAllKindsRow(3n, { label: null }))).toEqual({
      valid: false,
      reason: 'SpecLabelEntity: label is required',
    });
    expect(mapper.map(buildAllKindsRow(3n, { label: 7 }))).toEqual({
      valid: false,
      reason: 'SpecLabelEntity: label is not text',
    });
  });

  it('fails the batch for a bug in the class or a schema it cannot read', () => {
    const mapper = createRowMapper(schema, job('SpecLabelEntity'));
    expect(() => mapper.map(buildAllKindsRow(3n, { label: 'boom' }))).toThrow(/failed unexpectedly: a bug/);
    const withoutLabel = { ...schema, columns: schema.columns.filter((column) => column.name !== 'label') };
    expect(() => createRowMapper(withoutLabel, job('SpecLabelEntity'))).toThrow(
      /reads columns not in the source: label/,
    );
    expect(() => createRowMapper(schema, job('NoSuchEntity'))).toThrow(
      /no registered entity class "NoSuchEntity"/,
    );
  });
});
