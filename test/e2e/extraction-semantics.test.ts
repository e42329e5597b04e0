// Cursor semantics on the real stack: rows sharing one watermark value across batch and run
// boundaries, an incremental run with nothing new, Data API throttling, and a failing
// statement that fails the run with the API's message and leaves the watermark alone.
import { executeSql, tableFingerprint } from '@qupersync/testing';
import { PipelineHarness, uniqueSuffix } from './pipeline.harness';

jest.setTimeout(240_000);

const suffix = uniqueSuffix();
const table = `e2e_ties_${suffix}`;
const job = `e2e-ties-${suffix}`;
const warehouseUrl = (): string => process.env.WAREHOUSE_DATABASE_URL ?? '';
const databaseUrl = (): string => process.env.DATABASE_URL ?? '';

let pipeline: PipelineHarness;

async function insertRows(from: number, to: number, updatedAt: string): Promise<void> {
  await executeSql(
    warehouseUrl(),
    `INSERT INTO public.${table} (id, payload, updated_at) SELECT g, 'row ' || g, TIMESTAMP '${updatedAt}' FROM generate_series(${from}, ${to}) g`,
  );
}

beforeAll(async () => {
  await executeSql(warehouseUrl(), `DROP TABLE IF EXISTS public.${table}`);
  await executeSql(
    warehouseUrl(),
    `CREATE TABLE public.${table} (id bigint NOT NULL, payload text, updated_at timestamp(6))`,
  );
  await executeSql(databaseUrl(), `DROP TABLE IF EXISTS public.${table}`);
  pipeline = await PipelineHarness.start([{ name: job, table, mode: 'incremental', batchSize: 100 }]);
});

afterAll(async () => {
  await pipeline?.injectDataApiFaults(null).catch(() => undefined);
  await pipeline?.stop();
});

it('loses no row that shares a watermark value across batch and run boundaries', async () => {
  // 250 rows on one timestamp: two batch boundaries fall inside the tie.
  await insertRows(1, 250, '2024-05-01 12:00:00.000001');
  const first = await pipeline.triggerAndWait(job);
  expect(first).toMatchObject({ status: 'succeeded', rowsExtracted: 250, batches: 3 });
  expect(first.watermark).toEqual(['2024-05-01 12:00:00.000001', '250']);

  // More rows on the very same timestamp after the run: a strict ">" on the timestamp would skip them.
  await insertRows(251, 260, '2024-05-01 12:00:00.000001');
  await insertRows(261, 265, '2024-05-01 12:00:00.000002');
  const second = await pipeline.triggerAndWait(job);
  expect(second).toMatchObject({ status: 'succeeded', rowsExtracted: 15 });
  expect(await tableFingerprint(databaseUrl(), table)).toEqual(await tableFingerprint(warehouseUrl(), table));
});

it('ends an incremental run with nothing new quickly, extracting nothing', async () => {
  const started = Date.now();
  const idle = await pipeline.triggerAndWait(job);
  expect(idle).toMatchObject({ status: 'succeeded', rowsExtracted: 0, batches: 0 });
  // Generous bound on a shared CI machine; the benchmark measures the real figure.
  expect(Date.now() - started).toBeLessThan(15_000);
});

it('rides out Data API throttling with retries', async () => {
  await insertRows(266, 300, '2024-05-02 00:00:00');
  await pipeline.injectDataApiFaults({ throttleNextRequests: 4 });
  const run = await pipeline.triggerAndWait(job);
  expect(run).toMatchObject({ status: 'succeeded', rowsExtracted: 35 });
  expect(await tableFingerprint(databaseUrl(), table)).toEqual(await tableFingerprint(warehouseUrl(), table));
});

it('fails the run with the API message when a statement fails, and keeps the watermark', async () => {
  const before = await pipeline.triggerAndWait(job);
  await insertRows(301, 310, '2024-05-03 00:00:00');
  await pipeline.injectDataApiFaults({
    failStatementsMatching: 'ORDER BY',
    failureMessage: 'disk full on node 3',
  });
  const failed = await pipeline.triggerAndWait(job);
  await pipeline.injectDataApiFaults(null);
  expect(failed.status).toBe('failed');
  expect(failed.error).toContain('disk full on node 3');
  const failures = await pipeline.api<Array<{ runId: string; error: string }>>(`/failures?job=${job}`);
  expect(
    failures.some(
      (failure) => failure.runId === failed.runId && failure.error.includes('disk full on node 3'),
    ),
  ).toBe(true);

  const jobs = await pipeline.api<Array<{ name: string; watermark: string }>>('/jobs');
  expect(JSON.parse(jobs.find((candidate) => candidate.name === job)?.watermark ?? 'null')).toEqual(
    before.watermark,
  );

  const recovered = await pipeline.triggerAndWait(job);
  expect(recovered).toMatchObject({ status: 'succeeded', rowsExtracted: 10 });
  expect(await tableFingerprint(databaseUrl(), table)).toEqual(await tableFingerprint(warehouseUrl(), table));
});
