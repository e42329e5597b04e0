// Redshift folds identifiers to lower case, quoted or not, and reports lower-case column names; a
// job written with mixed-case names (as they appear in a BI tool, say) must still find its table,
// key and watermark. The local endpoint folds delimited identifiers as Redshift does, so this
// test fails if the extractor sends a quoted mixed-case name PostgreSQL alone would not find.
import { executeSql, tableFingerprint } from '@qupersync/testing';
import { PipelineHarness, uniqueSuffix } from './pipeline.harness';

jest.setTimeout(120_000);

const suffix = uniqueSuffix();
const table = `e2e_mixed_${suffix}`;
const job = `e2e-mixed-${suffix}`;
const warehouseUrl = (): string => process.env.WAREHOUSE_DATABASE_URL ?? '';
const databaseUrl = (): string => process.env.DATABASE_URL ?? '';

let pipeline: PipelineHarness;

beforeAll(async () => {
  // As Redshift stores it: every name in lower case.
  await executeSql(
    warehouseUrl(),
    `CREATE TABLE public.${table} (id bigint, order_id bigint, line_no int, amount numeric(12,2), updated_at timestamp)`,
  );
  await executeSql(
    warehouseUrl(),
    `INSERT INTO public.${table}
       SELECT g, g / 3, g % 3, g * 1.25, timestamp '2026-01-01' + g * interval '1 minute'
       FROM generate_series(1, 900) g`,
  );
  await executeSql(databaseUrl(), `DROP TABLE IF EXISTS public.${table}`);
  const mixed = table.toUpperCase().replace('E2E_MIXED', 'E2E_Mixed');
  pipeline = await PipelineHarness.start([
    {
      name: job,
      table,
      mode: 'incremental',
      sourceTable: `'"Public"."${mixed}"'`,
      primaryKey: `['"Order_Id"', Line_No]`,
      watermark: '"Updated_At"',
      batchSize: 200,
    },
  ]);
});

afterAll(async () => {
  await pipeline?.stop();
});

it('syncs a job written with mixed-case quoted and plain names, exactly, twice', async () => {
  const first = await pipeline.triggerAndWait(job);
  expect(first).toMatchObject({ status: 'succeeded', rowsExtracted: 900, rowsLoaded: 900 });
  expect(first.watermark?.[0]).toMatch(/^2026-01-01 15:00:00/);
  expect(await tableFingerprint(databaseUrl(), table)).toEqual(await tableFingerprint(warehouseUrl(), table));

  await executeSql(
    warehouseUrl(),
    `UPDATE public.${table} SET amount = amount + 1, updated_at = timestamp '2026-02-01' WHERE line_no = 1`,
  );
  const second = await pipeline.triggerAndWait(job);
  expect(second).toMatchObject({ status: 'succeeded', rowsExtracted: 300, rowsLoaded: 300 });
  expect(await tableFingerprint(databaseUrl(), table)).toEqual(await tableFingerprint(warehouseUrl(), table));
});
