import { JobCatalog, parseJobsFile } from '@qupersync/config';
import type { RatesTableReference } from '@qupersync/config';
import { decodeBatchContainer } from '@qupersync/contracts';
import type { BatchIdentity, BatchRow } from '@qupersync/contracts';
import { buildCurrencyRates, CurrencyRates } from '@qupersync/entity';
import {
  buildAllKindsRow,
  buildAllKindsSchema,
  buildColumn,
  buildNullRow,
  buildRunId,
} from '@qupersync/testing';
import { BatchTransformer } from './batch-transformer.service';
import { CurrencyRatesProvider } from './currency-rates.provider';
import './entities';

class FakeRatesProvider extends CurrencyRatesProvider {
  reads = 0;
  ratesFrom(reference: RatesTableReference): Promise<CurrencyRates> {
    this.reads += 1;
    return Promise.resolve(buildCurrencyRates(`table ${reference.table.name}`, [['EUR', '1.1']]));
  }
}

function transformerFor(entityYaml: string, provider = new FakeRatesProvider()): BatchTransformer {
  const yaml = [
    'jobs:',
    '  - name: all_kinds',
    '    source: { table: public.all_kinds }',
    '    target: { table: public.all_kinds }',
    '    primary_key: [id]',
    `    entity: ${entityYaml}`,
  ].join('\n');
  return new BatchTransformer(new JobCatalog(parseJobsFile(yaml, 'spec.yaml')), provider);
}

function identity(): BatchIdentity {
  return {
    job: 'all_kinds',
    runId: buildRunId(),
    sequence: 3,
    rowCount: 0,
    cursorFrom: null,
    cursorTo: null,
    extractionId: null,
    part: null,
    parts: null,
    jobVersion: null,
  };
}

describe('BatchTransformer', () => {
  const schema = buildAllKindsSchema();

  it('carries every type exactly through mapping and the target codec', async () => {
    const rows: BatchRow[] = [
      buildAllKindsRow(9223372036854775807n),
      buildAllKindsRow(-9223372036854775808n, {
        amount: '-9999999999999999999999999999.9999999999',
        ratio: -0,
        measure: Number.NaN,
        day: '0001-01-01',
        updated_at: '1969-12-31 23:59:59.999999',
        seen_at: '9999-12-31 23:59:59.999999+00',
        clock: '00:00:00.000000',
        label: '',
      }),
      buildAllKindsRow(2n, {
        measure: Number.POSITIVE_INFINITY,
        ratio: Number.NEGATIVE_INFINITY,
        day: '2100-02-28',
        updated_at: '2040-02-29 12:34:56.000001',
        amount: '0.0000000001',
      }),
      buildAllKindsRow(3n, { measure: -0, day: '1900-02-28', updated_at: '1600-02-29 00:00:00.000000' }),
      buildNullRow(schema, 4n),
    ];
    const outcome = await transformerFor('{}').transform(identity(), schema, rows);
    expect(outcome).toMatchObject({ validRows: 5, invalid: [], failed: null });
    const decoded = decodeBatchContainer(outcome.container ?? Buffer.alloc(0));
    expect(decoded.schema).toEqual(schema);
    expect(decoded.rows).toEqual(rows);
    expect(Object.is(decoded.rows[1]?.ratio, -0)).toBe(true);
    expect(Object.is(decoded.rows[3]?.measure, -0)).toBe(true);
  });

  it('dead-letters invalid rows with the reason and keeps the valid ones', async () => {
    const transformer = transformerFor('{ required: [label], rules: [{ type: trim, columns: [label] }] }');
    const rows = [
      buildAllKindsRow(1n),
      buildAllKindsRow(2n, { label: null }),
      buildAllKindsRow(3n, { label: ' x ' }),
    ];
    const outcome = await transformer.transform(identity(), schema, rows);
    expect(outcome.validRows).toBe(2);
    expect(outcome.invalid).toEqual([{ row: rows[1], reason: 'required field(s) missing: label' }]);
    expect(decodeBatchContainer(outcome.container ?? Buffer.alloc(0)).rows.map((row) => row.label)).toEqual([
      'naïve 🚀 text',
      'x',
    ]);
  });

  it('fails the whole batch with on_invalid: fail', async () => {
    const transformer = transformerFor('{ required: [label], on_invalid: fail }');
    const outcome = await transformer.transform(identity(), schema, [
      buildAllKindsRow(1n),
      buildAllKindsRow(2n, { label: null }),
    ]);
    expect(outcome).toMatchObject({
      container: null,
      validRows: 0,
      failed: expect.stringMatching(/1 invalid row/),
    });
  });

  it('fails with BATCH_INVALID when a rule names a column the batch does not have', async () => {
    const transformer = transformerFor('{ rules: [{ type: case, columns: [colour], to: upper }] }');
    await expect(transformer.transform(identity(), schema, [buildAllKindsRow(1n)])).rejects.toMatchObject({
      code: 'BATCH_INVALID',
      errorClass: 'permanent',
      message: expect.stringMatching(/job all_kinds: rule 1 \(case\): column "colour" is not in the entity/),
    });
  });

  it('reads a rates table once per batch through the provider', async () => {
    const provider = new FakeRatesProvider();
    const currencySchema = { ...schema, columns: [...schema.columns, buildColumn('currency', 'text')] };
    const transformer = transformerFor(
      '{ rules: [{ type: currency, amount_column: amount, currency_column: currency, base_currency: USD, target_column: amount_usd, scale: 2, rates_table: { table: public.fx, currency_column: code, rate_column: rate } }] }',
      provider,
    );
    const rows = [
      buildAllKindsRow(1n, { amount: '10.0050000000', currency: 'EUR' }),
      buildAllKindsRow(2n, { amount: '1.0000000000', currency: 'GBP' }),
      buildAllKindsRow(3n, { amount: '2.0000000000', currency: 'USD' }),
    ];
    const outcome = await transformer.transform(identity(), currencySchema, rows);
    expect(provider.reads).toBe(1);
    expect(outcome.invalid.map((invalid) => invalid.reason)).toEqual([
      'rule 1 (currency): amount: unknown currency "GBP": no rate to USD in table fx',
    ]);
    // 10.005 × 1.1 = 11.0055 → 11.01 half-even at two places (11.0055 is above the half).
    const decoded = decodeBatchContainer(outcome.container ?? Buffer.alloc(0));
    expect(decoded.rows.map((row) => row.amount_usd)).toEqual(['11.01', '2.00']);
  });

  it('maps through the example OrderEntity class', async () => {
    const orderSchema = {
      job: 'all_kinds',
      primaryKey: ['id'],
      watermark: 'updated_at',
      columns: [
        buildColumn('id', 'bigint'),
        buildColumn('customer_id', 'integer'),
        buildColumn('amount', 'decimal'),
        buildColumn('status', 'text', { precision: 20 }),
        buildColumn('updated_at', 'timestamp'),
        buildColumn('note', 'text'),
      ],
    };
    const row = (id: bigint, overrides: Partial<BatchRow>): BatchRow => ({
      id,
      customer_id: 7,
      amount: '10.1250000000',
      status: '  Shipped ',
      updated_at: '2024-02-29 23:59:59.999999',
      note: 'dropped',
      ...overrides,
    });
    const outcome = await transformerFor('{ class: OrderEntity }').transform(identity(), orderSchema, [
      row(1n, {}),
      row(2n, { customer_id: null }),
      row(3n, { amount: '-1.0000000000' }),
      row(4n, { status: '', amount: null }),
    ]);
    expect(outcome.invalid.map((invalid) => invalid.reason)).toEqual([
      'OrderEntity: customer_id is required',
      'OrderEntity: amount -1.0000000000 is negative',
    ]);
    const decoded = decodeBatchContainer(outcome.container ?? Buffer.alloc(0));
    expect(decoded.schema.columns.map((column) => column.name)).toEqual([
      'id',
      'customer_id',
      'amount',
      'amount_cents',
      'status',
      'updated_at',
    ]);
    expect(decoded.rows).toEqual([
      {
        id: 1n,
        customer_id: 7,
        amount: '10.1250000000',
        amount_cents: '10.12',
        status: 'shipped',
        updated_at: '2024-02-29 23:59:59.999999',
      },
      {
        id: 4n,
        customer_id: 7,
        amount: null,
        amount_cents: null,
        status: 'unknown',
        updated_at: '2024-02-29 23:59:59.999999',
      },
    ]);
  });
});
