// Redshift has no indexes: a keyset page bounded only below reads every block from its cursor to
// the end of the table, so a run's cost grows with the square of the table. When the paging key
// leads the sort key, the extractor bounds every statement on both sides and zone maps skip the
// rest. The local warehouse plays a sort key as a BRIN index and records each statement's scanned
// rows in stl_scan, so this test fails if a run's scanned rows stop growing linearly with the
// table, and shows the plan each run chose.
import { executeSql, tableFingerprint } from '@qupersync/testing';
import { PipelineHarness, uniqueSuffix } from './pipeline.harness';

jest.setTimeout(180_000);

const suffix = uniqueSuffix();
const sorted = `e2e_scan_sorted_${suffix}`;
const byTime = `e2e_scan_time_${suffix}`;
const unsorted = `e2e_scan_unsorted_${suffix}`;
const warehouseUrl = (): string => process.env.WAREHOUSE_DATABASE_URL ?? '';
const databaseUrl = (): string => process.env.DATABASE_URL ?? '';

let pipeline: PipelineHarness;

async function createSource(table: string, rows: number, sortKey: string | null): Promise<void> {
  await executeSql(
    warehouseUrl(),
    `CREATE TABLE public.${table} (id bigint, note varchar(40), updated_at timestamp)`,
  );
  await insertRows(table, 1, rows);
  // One heap page per zone, so the zones are fine-grained enough for a table this small.
  if (sortKey !== null)
    await executeSql(
      warehouseUrl(),
      `CREATE INDEX ON public.${table} USING brin (${sortKey}) WITH (pages_per_range = 1)`,
    );
  await executeSql(databaseUrl(), `DROP TABLE IF EXISTS public.${table}`);
}

async function insertRows(table: string, from: number, to: number): Promise<void> {
  await executeSql(
    warehouseUrl(),
    `INSERT INTO public.${table}
       SELECT g, 'row ' || g, timestamp '2026-01-01' + g * interval '1 second'
       FROM generate_series(${from}, ${to}) g`,
  );
  // Redshift's zone maps cover every block as it is written; BRIN covers new pages once
  // summarized, and the planner uses it once the table has statistics (Redshift's auto analyze).
  await executeSql(warehouseUrl(), `ANALYZE public.${table}`);
  await executeSql(
    warehouseUrl(),
    `SELECT brin_summarize_new_values(i.indexrelid)
       FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_am am ON am.oid = ic.relam
      WHERE i.indrelid = 'public.${table}'::regclass AND am.amname = 'brin'`,
  );
}

beforeAll(async () => {
  await createSource(sorted, 3_000, 'id');
  await createSource(byTime, 3_000, 'updated_at');
  await createSource(unsorted, 3_000, null);
  pipeline = await PipelineHarness.start([
    { name: `e2e-scan-sorted-${suffix}`, table: sorted, mode: 'full', watermark: null, batchSize: 100 },
    { name: `e2e-scan-time-${suffix}`, table: byTime, mode: 'incremental', batchSize: 100 },
    { name: `e2e-scan-unsorted-${suffix}`, table: unsorted, mode: 'full', watermark: null, batchSize: 100 },
  ]);
});

afterAll(async () => {
  await pipeline?.stop();
});

it('reads a table whose sort key leads the paging key in bounded ranges: scanned rows grow linearly', async () => {
  const small = await pipeline.triggerAndWait(`e2e-scan-sorted-${suffix}`);
  expect(small).toMatchObject({ status: 'succeeded', rowsExtracted: 3_000 });
  expect(small.scanPlan).toMatch(/^sort_key_ranges: \d+ ranges on sort key id$/);
  // Statements of 2,000 rows (batch_size 100): the ranges, one pass for MIN/MAX/COUNT and one
  // for rows with a NULL key; a little over three passes in all.
  expect(small.rowsScanned).toBeGreaterThanOrEqual(3_000);
  expect(small.rowsScanned).toBeLessThanOrEqual(4 * 3_000);

  await insertRows(sorted, 3_001, 24_000);
  const large = await pipeline.triggerAndWait(`e2e-scan-sorted-${suffix}`);
  expect(large).toMatchObject({ status: 'succeeded', rowsExtracted: 24_000, rowsLoaded: 24_000 });
  expect(await tableFingerprint(databaseUrl(), sorted)).toEqual(
    await tableFingerprint(warehouseUrl(), sorted),
  );
  // Eight times the rows, about eight times the scanning. Pages bounded only below would read
  // about N²/(2·2,000) rows: 144,000 here, eighteen times the small run's.
  expect(large.rowsScanned).toBeLessThanOrEqual(4 * 24_000);
  expect((large.rowsScanned ?? 0) / (small.rowsScanned ?? 1)).toBeLessThan(10);
});

it('cuts an incremental run into ranges of its watermark when the watermark is the sort key', async () => {
  const first = await pipeline.triggerAndWait(`e2e-scan-time-${suffix}`);
  expect(first).toMatchObject({ status: 'succeeded', rowsExtracted: 3_000 });
  expect(first.scanPlan).toMatch(/^sort_key_ranges: \d+ ranges on sort key updated_at$/);
  expect(await tableFingerprint(databaseUrl(), byTime)).toEqual(
    await tableFingerprint(warehouseUrl(), byTime),
  );

  // A later run reads the new rows' zones, not the table: every statement, its upper bound's MAX
  // of the watermark included, is bounded below by the stored watermark. All of them together
  // read fewer rows than one pass over the table would.
  await insertRows(byTime, 3_001, 3_200);
  const next = await pipeline.triggerAndWait(`e2e-scan-time-${suffix}`);
  expect(next).toMatchObject({ status: 'succeeded', rowsExtracted: 200 });
  expect(next.rowsScanned).toBeLessThan(3_200);

  // Nothing new: a no-op run reads only the zone its stored watermark is in.
  const idle = await pipeline.triggerAndWait(`e2e-scan-time-${suffix}`);
  expect(idle).toMatchObject({ status: 'succeeded', rowsExtracted: 0 });
  expect(idle.rowsScanned).toBeLessThan(3_200 / 4);
  expect(await tableFingerprint(databaseUrl(), byTime)).toEqual(
    await tableFingerprint(warehouseUrl(), byTime),
  );
});

it('reads a table without a sort key in as few statements as the result-size limit allows', async () => {
  const run = await pipeline.triggerAndWait(`e2e-scan-unsorted-${suffix}`);
  expect(run).toMatchObject({ status: 'succeeded', rowsExtracted: 3_000, rowsLoaded: 3_000 });
  expect(run.scanPlan).toBe('single_scan: the table has no sort key');
  // One statement for the rows and one for rows with a NULL key: two passes.
  expect(run.rowsScanned).toBe(2 * 3_000);
  expect(await tableFingerprint(databaseUrl(), unsorted)).toEqual(
    await tableFingerprint(warehouseUrl(), unsorted),
  );
});
