// Big tables leave Redshift through UNLOAD: the extractor unloads the run's range to its own S3
// folder, reads the files back through the manifest and sends the rows on like any other. Against
// the local stack's S3 (s3rver) and the local endpoint's UNLOAD, a full sync of every awkward type
// is exact by md5, an incremental run whose cursor holds quotes and backslashes (inlined into
// UNLOAD's SELECT, since parameters cannot reach it) reads exactly the changed rows, and the
// files are gone once the run has them.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { createAllTypesTable, executeSql, tableFingerprint } from '@qupersync/testing';
import { localUnloadBucket, startS3Server, type S3ServerHandle } from '../../tools/stack';
import { PipelineHarness, uniqueSuffix } from './pipeline.harness';

jest.setTimeout(300_000);

const suffix = uniqueSuffix();
const allTypes = `e2e_unload_types_${suffix}`;
const parquetTypes = `e2e_unload_parquet_${suffix}`;
const parquetJob = `e2e-unload-parquet-${suffix}`;
const keyed = `e2e_unload_keys_${suffix}`;
const fullJob = `e2e-unload-full-${suffix}`;
const killed = `e2e_unload_kill_${suffix}`;
const killedJob = `e2e-unload-kill-${suffix}`;
const killedRows = 100_000;
const incrementalJob = `e2e-unload-incr-${suffix}`;
const warehouseUrl = (): string => process.env.WAREHOUSE_DATABASE_URL ?? '';
const databaseUrl = (): string => process.env.DATABASE_URL ?? '';
/** The greatest key of the first run: the second run's cursor, inlined into its UNLOAD. */
const hostileKey = "zz'\\'; DROP TABLE x; --\\";

let s3: S3ServerHandle;
let pipeline: PipelineHarness;

async function objectsUnder(prefix: string): Promise<string[]> {
  const client = s3.client();
  try {
    const listed = await client.send(new ListObjectsV2Command({ Bucket: localUnloadBucket, Prefix: prefix }));
    return (listed.Contents ?? []).map((object) => object.Key ?? '');
  } finally {
    client.destroy();
  }
}

beforeAll(async () => {
  await createAllTypesTable(warehouseUrl(), allTypes, 4_000);
  // Every type Parquet holds (not VARBYTE or SUPER), with the edges of each beside the usual rows.
  await executeSql(
    warehouseUrl(),
    `CREATE TABLE public.${parquetTypes} AS
       SELECT id, customer_id, small_value, amount, price, ratio, measure, active, status, note,
              birthday, updated_at, seen_at, clock
         FROM public.${allTypes}`,
  );
  await executeSql(
    warehouseUrl(),
    `INSERT INTO public.${parquetTypes} VALUES
       (9223372036854775807, -2147483648, -32768, 9999999999999999999999999999.9999999999, -99999999999999.9999,
        1.1, 1.7976931348623157e308, false, '', '', DATE '0001-01-01', TIMESTAMP '1969-12-31 23:59:59.999999',
        TIMESTAMPTZ '2024-06-01 12:00:00.5+05:30', TIME '23:59:59.999999'),
       (-9223372036854775808, 2147483647, 32767, -9999999999999999999999999999.9999999999, 0.0001,
        'NaN', '-Infinity', NULL, NULL, NULL, DATE '9999-12-31', TIMESTAMP '0001-01-01 00:00:00',
        TIMESTAMPTZ '1900-01-01 00:00:00+00', TIME '00:00:00'),
       (0, 0, 0, 0, 0, 0, -0, true, ' ', E'\\N', DATE '1970-01-01', TIMESTAMP '2000-02-29 12:00:00',
        NULL, NULL)`,
  );
  await executeSql(
    warehouseUrl(),
    `CREATE TABLE public.${keyed} (id varchar(60) NOT NULL, note varchar(100), updated_at timestamp NOT NULL)`,
  );
  await executeSql(
    warehouseUrl(),
    `INSERT INTO public.${keyed}
       SELECT CASE g % 4 WHEN 0 THEN 'k' || g WHEN 1 THEN 'O''Brien ' || g WHEN 2 THEN 'back\\slash ' || g
                         ELSE 'quote" comma, ' || g END,
              CASE WHEN g % 5 = 0 THEN NULL WHEN g % 5 = 1 THEN '' ELSE 'note ' || g END,
              timestamp '2026-01-01' + (g % 50) * interval '1 minute'
         FROM generate_series(1, 3000) g`,
  );
  await executeSql(
    warehouseUrl(),
    `INSERT INTO public.${keyed} VALUES ($1, 'last', timestamp '2026-01-01' + 49 * interval '1 minute')`,
    [hostileKey],
  );
  await createAllTypesTable(warehouseUrl(), killed, killedRows);
  await executeSql(warehouseUrl(), `ALTER TABLE public.${killed} DROP COLUMN document, DROP COLUMN payload`);
  await executeSql(databaseUrl(), `DROP TABLE IF EXISTS public.${killed}`);
  await executeSql(databaseUrl(), `DROP TABLE IF EXISTS public.${allTypes}`);
  await executeSql(databaseUrl(), `DROP TABLE IF EXISTS public.${parquetTypes}`);
  await executeSql(databaseUrl(), `DROP TABLE IF EXISTS public.${keyed}`);
  s3 = await startS3Server({ directory: mkdtempSync(join(tmpdir(), 'qupersync-s3-')) });
  pipeline = await PipelineHarness.start(
    [
      {
        name: fullJob,
        table: allTypes,
        mode: 'full',
        watermark: null,
        batchSize: 500,
        // Parquet is asked for, but VARBYTE and SUPER columns make the run unload CSV.
        sourceOptions: 'extract: unload, unload: { format: parquet }',
      },
      {
        name: parquetJob,
        table: parquetTypes,
        mode: 'full',
        watermark: null,
        batchSize: 500,
        sourceOptions: 'extract: unload, unload: { format: parquet }',
      },
      {
        name: incrementalJob,
        table: keyed,
        mode: 'incremental',
        batchSize: 400,
        sourceOptions: 'extract: unload, unload: { format: parquet }',
      },
      {
        name: killedJob,
        table: killed,
        mode: 'full',
        watermark: null,
        batchSize: 1000,
        // Parquet: a part left by the killed reader is read again through ranged GETs. (CSV parts
        // take the same way; the part mechanism does not depend on the format.)
        sourceOptions: 'extract: unload, unload: { format: parquet }',
      },
    ],
    {
      environment: s3.environment,
      // Small files, so a run reads several from each of the endpoint's slices.
      serviceEnvironment: { 'data-api': { DATA_API_UNLOAD_PART_BYTES: String(96 * 1024) } },
    },
  );
  // Two extractors in the group: a run's parts are read by both.
  await pipeline.startAnother('extractor', 'extractor-2');
});

afterAll(async () => {
  await pipeline?.stop();
  await s3?.close();
});

it('syncs every type exactly through UNLOAD and deletes the files after', async () => {
  const run = await pipeline.triggerAndWait(fullJob);
  expect(run).toMatchObject({ status: 'succeeded', rowsExtracted: 4_000, rowsLoaded: 4_000 });
  expect(run.scanPlan).toMatch(
    /^unload: \d+ files \(csv\) at s3:\/\/qupersync-unload\/unload\/e2e-unload-full-/,
  );
  expect(Number(/unload: (\d+) files/.exec(run.scanPlan ?? '')?.[1])).toBeGreaterThan(2);
  // STL_SCAN has the UNLOAD's own scan (and the NULL-key statement's): one pass each.
  expect(run.rowsScanned).toBeGreaterThanOrEqual(4_000);
  expect(run.rowsScanned).toBeLessThanOrEqual(3 * 4_000);
  expect(await tableFingerprint(databaseUrl(), allTypes)).toEqual(
    await tableFingerprint(warehouseUrl(), allTypes),
  );
  expect(await objectsUnder(`unload/${fullJob}/`)).toEqual([]);
  // Parts go round robin over the topic's partitions, so each extractor of the group read some.
  expect(partsRead('extractor', run.runId)).toBeGreaterThan(0);
  expect(partsRead('extractor-2', run.runId)).toBeGreaterThan(0);
});

it('syncs every type Parquet holds exactly through UNLOAD FORMAT PARQUET', async () => {
  const run = await pipeline.triggerAndWait(parquetJob);
  expect(run).toMatchObject({ status: 'succeeded', rowsExtracted: 4_003, rowsLoaded: 4_003 });
  expect(run.scanPlan).toMatch(/^unload: \d+ files \(parquet\) at s3:\/\/qupersync-unload\//);
  expect(Number(/unload: (\d+) files/.exec(run.scanPlan ?? '')?.[1])).toBeGreaterThan(2);
  expect(await tableFingerprint(databaseUrl(), parquetTypes)).toEqual(
    await tableFingerprint(warehouseUrl(), parquetTypes),
  );
  expect(await objectsUnder(`unload/${parquetJob}/`)).toEqual([]);
  expect(partsRead('extractor', run.runId) + partsRead('extractor-2', run.runId)).toBeGreaterThan(2);
});

/** Parts of the run an extractor published, from its log. */
function partsRead(extractor: string, runId: string): number {
  return readFileSync(join(pipeline.logDirectory, `${extractor}.log`), 'utf8')
    .split('\n')
    .filter((line) => line.includes('"UNLOAD part published"') && line.includes(runId)).length;
}

it('reads exactly the changed rows after a cursor with quotes and backslashes', async () => {
  const first = await pipeline.triggerAndWait(incrementalJob);
  expect(first).toMatchObject({ status: 'succeeded', rowsExtracted: 3_001 });
  expect(first.watermark).toEqual(['2026-01-01 00:49:00', hostileKey]);
  expect(await tableFingerprint(databaseUrl(), keyed)).toEqual(await tableFingerprint(warehouseUrl(), keyed));

  // A row at the cursor's own watermark with a key after it, a later row, and changed rows.
  await executeSql(
    warehouseUrl(),
    `INSERT INTO public.${keyed} VALUES ($1, 'after the cursor', timestamp '2026-01-01 00:49:00'),
                                        ('new''one\\', NULL, timestamp '2026-01-02')`,
    [`${hostileKey}z`],
  );
  await executeSql(
    warehouseUrl(),
    `UPDATE public.${keyed} SET note = 'changed', updated_at = timestamp '2026-01-03' WHERE id LIKE 'O''Brien 1%'`,
  );
  const changed = await countWhere(`note = 'changed'`);
  expect(changed).toBeGreaterThan(100);
  const second = await pipeline.triggerAndWait(incrementalJob);
  expect(second).toMatchObject({ status: 'succeeded', rowsExtracted: 2 + changed });
  expect(await tableFingerprint(databaseUrl(), keyed)).toEqual(await tableFingerprint(warehouseUrl(), keyed));
  expect(await objectsUnder(`unload/${incrementalJob}/`)).toEqual([]);
});

it('never moves the cursor past a row committed while the run unloads', async () => {
  // The run's greatest key is read while the row below is not there yet; its UNLOAD then runs
  // after the row is committed. Read the other way round (UNLOAD, then the greatest key), the
  // cursor would move past a row the files do not hold, and no later run would read it.
  await pipeline.injectDataApiFaults({ statementQueueDelayMs: 4_000, queueDelayMatching: 'DESC LIMIT 1' });
  try {
    const { runId } = await pipeline.trigger(incrementalJob);
    await waitForQueuedStatement(/DESC LIMIT 1/);
    await executeSql(
      warehouseUrl(),
      `INSERT INTO public.${keyed} SELECT $1, 'committed mid-run', MAX(updated_at) FROM public.${keyed}`,
      [`${hostileKey}zzz`],
    );
    expect(await pipeline.waitForRun(runId)).toMatchObject({ status: 'succeeded' });
  } finally {
    await pipeline.injectDataApiFaults(null);
  }
  expect(await pipeline.triggerAndWait(incrementalJob)).toMatchObject({ status: 'succeeded' });
  expect(await tableFingerprint(databaseUrl(), keyed)).toEqual(await tableFingerprint(warehouseUrl(), keyed));
});

/** Waits until the local endpoint holds a statement matching `pattern` in its queue. */
async function waitForQueuedStatement(pattern: RegExp): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const response = await fetch(pipeline.dataApiUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'RedshiftData.ListStatements',
      },
      body: JSON.stringify({ Status: 'SUBMITTED' }),
    });
    const body: unknown = await response.json();
    const statements: unknown =
      typeof body === 'object' && body !== null ? Reflect.get(body, 'Statements') : [];
    if (
      Array.isArray(statements) &&
      statements.some((statement: unknown) =>
        pattern.test(String(Reflect.get(Object(statement), 'QueryString'))),
      )
    )
      return;
    if (Date.now() > deadline) throw new Error(`no statement matching ${String(pattern)} was queued`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

it('stays exact when one of two extractors is killed with -9 while they read the files', async () => {
  const { runId } = await pipeline.trigger(killedJob);
  const reading = await pipeline.waitForRunState(runId, 'reading the files', (run) => run.rowsExtracted > 0);
  // The survivor takes over the dead one's parts (and its extract request, if it had it) once the
  // group has expired it.
  await pipeline.kill('extractor');
  // The kill landed mid-read; otherwise this test proves nothing.
  expect(reading.rowsExtracted).toBeLessThan(killedRows);
  const run = await pipeline.waitForRun(runId, 240_000);
  expect(run).toMatchObject({ status: 'succeeded', rowsExtracted: killedRows, rowsLoaded: killedRows });
  expect(await tableFingerprint(databaseUrl(), killed)).toEqual(
    await tableFingerprint(warehouseUrl(), killed),
  );
  // The finished attempt deleted its folder. If the kill took the attempt's own extractor, that
  // attempt's folder stays for a look (until swept); a killed reader of parts leaves nothing.
  const left = await objectsUnder(`unload/${killedJob}/${runId}/`);
  const folders = new Set(left.map((key) => key.split('/').slice(0, 4).join('/')));
  expect(folders.size).toBeLessThanOrEqual(1);
  for (const folder of folders) expect(left).toContain(`${folder}/manifest`);
});

async function countWhere(condition: string): Promise<number> {
  const { Client } = await import('pg');
  const client = new Client({ connectionString: warehouseUrl() });
  await client.connect();
  try {
    const result = await client.query<{ n: string }>(
      `SELECT count(*) AS n FROM public.${keyed} WHERE ${condition}`,
    );
    return Number(result.rows[0]?.n ?? 0);
  } finally {
    await client.end();
  }
}
