// The whole path with real parts: the Data API endpoint over the warehouse database, Kafka, and
// the four services as processes. A full sync, an incremental sync with rows that tie on the
// watermark, and an idempotent trigger — each checked value by value against the source.
import { createAllTypesTable, executeSql, tableFingerprint } from '@qupersync/testing';
import { PipelineHarness, uniqueSuffix } from './pipeline.harness';

jest.setTimeout(240_000);

const suffix = uniqueSuffix();
const table = `e2e_orders_${suffix}`;
const job = `e2e-orders-${suffix}`;
const jsonTable = `e2e_orders_json_${suffix}`;
const jsonJob = `e2e-orders-json-${suffix}`;
const warehouseUrl = (): string => process.env.WAREHOUSE_DATABASE_URL ?? '';
const databaseUrl = (): string => process.env.DATABASE_URL ?? '';

let pipeline: PipelineHarness;

beforeAll(async () => {
  await createAllTypesTable(warehouseUrl(), table, 12_345);
  await createAllTypesTable(warehouseUrl(), jsonTable, 2_500);
  await executeSql(databaseUrl(), `DROP TABLE IF EXISTS public.${table}, public.${jsonTable}`);
  pipeline = await PipelineHarness.start([
    { name: job, table },
    { name: jsonJob, table: jsonTable, resultFormat: 'json' },
  ]);
});

afterAll(async () => {
  await pipeline?.stop();
});

it('syncs every row and every value of a full run, then only the changed rows incrementally', async () => {
  const full = await pipeline.triggerAndWait(job, { mode: 'full' });
  expect(full).toMatchObject({
    status: 'succeeded',
    rowsExtracted: 12_345,
    rowsLoaded: 12_345,
    batches: 13,
    failedBatches: 0,
  });
  expect(await tableFingerprint(databaseUrl(), table)).toEqual(await tableFingerprint(warehouseUrl(), table));

  // The first incremental run sets the watermark; every row is already there.
  const first = await pipeline.triggerAndWait(job, { mode: 'incremental' });
  expect(first).toMatchObject({ status: 'succeeded', rowsExtracted: 12_345 });

  // New rows that share the stored watermark value (the strict ">" trap), then updates.
  await executeSql(
    warehouseUrl(),
    `INSERT INTO public.${table} (id, updated_at, note) SELECT 9107199254740000 + g, (SELECT max(updated_at) FROM public.${table}), 'tie ' || g FROM generate_series(1, 5) g`,
  );
  await executeSql(
    warehouseUrl(),
    `UPDATE public.${table} SET note = 'changed', updated_at = updated_at + INTERVAL '1 day' WHERE id % 1000 = 7`,
  );
  const second = await pipeline.triggerAndWait(job, { mode: 'incremental' });
  expect(second).toMatchObject({ status: 'succeeded', rowsExtracted: 13 + 5, failedBatches: 0 });
  expect(await tableFingerprint(databaseUrl(), table)).toEqual(await tableFingerprint(warehouseUrl(), table));

  const idle = await pipeline.triggerAndWait(job, { mode: 'incremental' });
  expect(idle).toMatchObject({ status: 'succeeded', rowsExtracted: 0, batches: 0 });
  expect(idle.watermark).toEqual(second.watermark);
});

it('carries every value exactly with the JSON result format as well as with CSV', async () => {
  const run = await pipeline.triggerAndWait(jsonJob, { mode: 'full' });
  expect(run).toMatchObject({ status: 'succeeded', rowsExtracted: 2_500, rowsLoaded: 2_500 });
  expect(await tableFingerprint(databaseUrl(), jsonTable)).toEqual(
    await tableFingerprint(warehouseUrl(), jsonTable),
  );
});

it('starts one run for one request key, however often it is sent', async () => {
  const requestKey = `e2e-${suffix}-once`;
  const first = await pipeline.trigger(job, { requestKey });
  const again = await pipeline.trigger(job, { requestKey });
  expect(again.runId).toBe(first.runId);
  await pipeline.waitForRun(first.runId);
});

it('answers an unknown job with 404 and a malformed body with 400', async () => {
  await expect(pipeline.api('/jobs/no-such-job/runs', { method: 'POST', body: '{}' })).rejects.toThrow(/404/);
  await expect(
    pipeline.api(`/jobs/${job}/runs`, { method: 'POST', body: JSON.stringify({ mode: 'sideways' }) }),
  ).rejects.toThrow(/400/);
});
