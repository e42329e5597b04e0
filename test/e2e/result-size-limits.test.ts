// The Data API fails a statement whose result passes its size limit ("Database response exceeded
// size limit") or that holds a row above 64 KB ("Packet for query is too large"). The local
// endpoint enforces both; here its result limit (20 MB) is below what the extractor assumes (the
// 100 MB default), as when a service's limit changes under a running deployment. The extractor
// sizes statements by bytes, halves one that fails for size and goes on, so a table of 5,000 rows
// of 50 KB (250 MB) syncs exactly; a 70 KB row fails the run with a message naming its key.
import { executeSql, tableFingerprint } from '@qupersync/testing';
import { PipelineHarness, uniqueSuffix } from './pipeline.harness';

jest.setTimeout(300_000);

const suffix = uniqueSuffix();
const wideTable = `e2e_size_${suffix}`;
const hugeRowTable = `e2e_size_huge_${suffix}`;
const wideJob = `e2e-size-${suffix}`;
const hugeRowJob = `e2e-size-huge-${suffix}`;
const warehouseUrl = (): string => process.env.WAREHOUSE_DATABASE_URL ?? '';
const databaseUrl = (): string => process.env.DATABASE_URL ?? '';
const rows = 5_000;

let pipeline: PipelineHarness;

beforeAll(async () => {
  // A VARCHAR holds at most 65,535 bytes, so a row above 64 KB needs two large columns.
  for (const table of [wideTable, hugeRowTable]) {
    await executeSql(
      warehouseUrl(),
      `CREATE TABLE public.${table} (id bigint NOT NULL, payload varchar(65535), more varchar(65535), updated_at timestamp)`,
    );
    await executeSql(databaseUrl(), `DROP TABLE IF EXISTS public.${table}`);
  }
  // 50,000 bytes a row, different in every row (md5 of the id, repeated).
  await executeSql(
    warehouseUrl(),
    `INSERT INTO public.${wideTable}
       SELECT g, substr(repeat(md5(g::text), 1563), 1, 50000), NULL, timestamp '2026-01-01' + g * interval '1 second'
       FROM generate_series(1, ${rows}) g`,
  );
  await executeSql(
    warehouseUrl(),
    `INSERT INTO public.${hugeRowTable}
       SELECT g, CASE WHEN g = 7 THEN repeat('x', 35000) ELSE 'small' END,
              CASE WHEN g = 7 THEN repeat('y', 35000) END, timestamp '2026-01-01'
       FROM generate_series(1, 20) g`,
  );
  pipeline = await PipelineHarness.start(
    [
      { name: wideJob, table: wideTable, mode: 'full', batchSize: 100 },
      { name: hugeRowJob, table: hugeRowTable, mode: 'full', batchSize: 10 },
    ],
    { serviceEnvironment: { 'data-api': { DATA_API_MAX_RESULT_BYTES: String(20 * 1024 * 1024) } } },
  );
});

afterAll(async () => {
  await pipeline?.stop();
});

it('syncs 250 MB of 50 KB rows exactly, halving statements the Data API refuses for size', async () => {
  const run = await pipeline.triggerAndWait(wideJob);
  expect(run).toMatchObject({ status: 'succeeded', rowsExtracted: rows, rowsLoaded: rows, failedBatches: 0 });
  expect(await pipeline.metric('extractor', 'qupersync_source_statements_shrunk_total')).toBeGreaterThan(0);
  expect(await tableFingerprint(databaseUrl(), wideTable)).toEqual(
    await tableFingerprint(warehouseUrl(), wideTable),
  );
});

it('fails the run on a row above the 64 KB row limit, naming its key and size', async () => {
  const run = await pipeline.triggerAndWait(hugeRowJob);
  expect(run.status).toBe('failed');
  expect(run.error).toMatch(
    /the row with key \(id=7\) is 70\d{3} bytes, above the Data API's 65536-byte row limit/,
  );
});
