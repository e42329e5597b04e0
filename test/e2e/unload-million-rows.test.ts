// A million rows through UNLOAD, once as CSV and once as Parquet, read by two extractors in one
// consumer group: each run is exact by md5 over every row, both extractors read parts of it, and
// the attempt's files are gone afterwards. The size is the issue's own: large enough that the
// files outnumber the extractors many times over and every batch path is exercised at scale.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { executeSql, tableFingerprint } from '@qupersync/testing';
import { startS3Server, type S3ServerHandle } from '../../tools/stack';
import { PipelineHarness, uniqueSuffix } from './pipeline.harness';

jest.setTimeout(900_000);

const rows = 1_000_000;
const suffix = uniqueSuffix();
const source = `e2e_unload_1m_${suffix}`;
const targets = { csv: `e2e_unload_1m_csv_${suffix}`, parquet: `e2e_unload_1m_pq_${suffix}` } as const;
const jobs = { csv: `e2e-unload-1m-csv-${suffix}`, parquet: `e2e-unload-1m-pq-${suffix}` } as const;
const warehouseUrl = (): string => process.env.WAREHOUSE_DATABASE_URL ?? '';
const databaseUrl = (): string => process.env.DATABASE_URL ?? '';

let s3: S3ServerHandle;
let pipeline: PipelineHarness;

beforeAll(async () => {
  // Every type both formats carry, NULLs and empty strings, decimals at full precision, BIGINT
  // above 2^53 and microsecond timestamps.
  await executeSql(
    warehouseUrl(),
    `CREATE TABLE public.${source} AS
       SELECT 9007199254740000 + g AS id,
              CASE WHEN g % 11 = 0 THEN NULL ELSE (g * 7919) % 100000 END::integer AS quantity,
              CASE WHEN g % 13 = 0 THEN NULL
                   ELSE round(g::numeric * 1234567.0123456789 / 7, 10) * (CASE WHEN g % 2 = 0 THEN -1 ELSE 1 END)
              END::numeric(38, 10) AS ratio,
              round(((g * 37) % 1000000) * 0.0123 + 0.0001, 4)::numeric(18, 4) AS price,
              CASE WHEN g % 19 = 0 THEN NULL ELSE g::double precision / 7 END AS score,
              CASE WHEN g % 17 = 0 THEN NULL ELSE g % 3 = 0 END AS active,
              CASE WHEN g % 10 = 0 THEN NULL WHEN g % 10 = 1 THEN '' ELSE 'row ' || g || ' ' || md5(g::text) END::varchar(60) AS note,
              date '2024-01-01' + (g % 730)::integer AS day,
              timestamp '2024-01-01' + (g / 3) * interval '1 second' + (g % 1000000) * interval '1 microsecond' AS updated_at,
              timestamptz '1999-12-31 23:59:59.999999+00' + g * interval '1 second' AS seen_at
         FROM generate_series(1::bigint, ${rows}::bigint) AS g`,
  );
  await executeSql(warehouseUrl(), `ALTER TABLE public.${source} ALTER COLUMN id SET NOT NULL`);
  for (const table of Object.values(targets))
    await executeSql(databaseUrl(), `DROP TABLE IF EXISTS public.${table}`);
  s3 = await startS3Server({ directory: mkdtempSync(join(tmpdir(), 'qupersync-s3-1m-')) });
  pipeline = await PipelineHarness.start(
    (['csv', 'parquet'] as const).map((format) => ({
      name: jobs[format],
      table: targets[format],
      sourceTable: `public.${source}`,
      mode: 'full',
      watermark: null,
      batchSize: 5_000,
      sourceOptions: `extract: unload, unload: { format: ${format} }`,
    })),
    {
      environment: s3.environment,
      // Files of 8 MiB: a few dozen per run, so both extractors get a share.
      serviceEnvironment: { 'data-api': { DATA_API_UNLOAD_PART_BYTES: String(8 * 1024 * 1024) } },
    },
  );
  await pipeline.startAnother('extractor', 'extractor-2');
});

afterAll(async () => {
  await pipeline?.stop();
  await s3?.close();
  await executeSql(warehouseUrl(), `DROP TABLE IF EXISTS public.${source}`);
  for (const table of Object.values(targets))
    await executeSql(databaseUrl(), `DROP TABLE IF EXISTS public.${table}`);
});

it.each(['csv', 'parquet'] as const)(
  'syncs 1,000,000 rows exactly through UNLOAD as %s with two extractors',
  async (format) => {
    const { runId } = await pipeline.trigger(jobs[format]);
    const run = await pipeline.waitForRun(runId, 600_000);
    expect(run).toMatchObject({ status: 'succeeded', rowsExtracted: rows, rowsLoaded: rows });
    expect(run.scanPlan).toMatch(new RegExp(`^unload: \\d+ files \\(${format}\\)`));
    const sourcePrint = await tableFingerprint(warehouseUrl(), source);
    expect(sourcePrint.rows).toBe(rows);
    expect(await tableFingerprint(databaseUrl(), targets[format])).toEqual(sourcePrint);
    expect(partsRead('extractor', run.runId)).toBeGreaterThan(0);
    expect(partsRead('extractor-2', run.runId)).toBeGreaterThan(0);
  },
);

/** Parts of the run an extractor published, from its log. */
function partsRead(extractor: string, runId: string): number {
  return readFileSync(join(pipeline.logDirectory, `${extractor}.log`), 'utf8')
    .split('\n')
    .filter((line) => line.includes('"UNLOAD part published"') && line.includes(runId)).length;
}
