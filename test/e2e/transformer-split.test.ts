// The transformer's output can be larger than the batch the extractor sent (a rule adds columns,
// or the transformer's limit is lower). A transformed batch above KAFKA_MAX_BATCH_BYTES is sent
// in parts that fit, each loaded and reported apart; the coordinator counts the batch loaded when
// every part is, so the run's books still balance. One row alone above the limit fails its batch
// and the run, naming the row's key and size, instead of looping on the broker's refusal.
// Here the transformer's limit is 32 KiB while the extractor's stays at 900 KiB, so every
// ~250 KB batch the extractor sends must be cut by the transformer (and a 50 KB row, within the
// Data API's 64 KB row limit, is too large for it alone).
import { executeSql, tableFingerprint } from '@qupersync/testing';
import { PipelineHarness, uniqueSuffix } from './pipeline.harness';

jest.setTimeout(180_000);

const suffix = uniqueSuffix();
const wideTable = `e2e_split_${suffix}`;
const hugeRowTable = `e2e_split_huge_${suffix}`;
const wideJob = `e2e-split-${suffix}`;
const hugeRowJob = `e2e-split-huge-${suffix}`;
const warehouseUrl = (): string => process.env.WAREHOUSE_DATABASE_URL ?? '';
const databaseUrl = (): string => process.env.DATABASE_URL ?? '';
const rows = 2_000;

let pipeline: PipelineHarness;

beforeAll(async () => {
  for (const table of [wideTable, hugeRowTable]) {
    await executeSql(
      warehouseUrl(),
      `CREATE TABLE public.${table} (id bigint NOT NULL, payload varchar(200000), updated_at timestamp)`,
    );
  }
  // About 1 KB a row: a batch of 250 rows is ~250 KB, eight times the transformer's limit.
  await executeSql(
    warehouseUrl(),
    `INSERT INTO public.${wideTable}
       SELECT g, repeat(md5(g::text), 32), timestamp '2026-01-01' + g * interval '1 second'
       FROM generate_series(1, ${rows}) g`,
  );
  await executeSql(
    warehouseUrl(),
    `INSERT INTO public.${hugeRowTable}
       SELECT g, CASE WHEN g = 42 THEN repeat('x', 50000) ELSE 'small' END, timestamp '2026-01-01'
       FROM generate_series(1, 100) g`,
  );
  pipeline = await PipelineHarness.start(
    [
      { name: wideJob, table: wideTable, mode: 'full', batchSize: 250 },
      { name: hugeRowJob, table: hugeRowTable, mode: 'full', batchSize: 50 },
    ],
    { serviceEnvironment: { transformer: { KAFKA_MAX_BATCH_BYTES: String(32 * 1024) } } },
  );
});

afterAll(async () => {
  await pipeline?.stop();
});

it('sends a transformed batch above the limit in parts and loads every row exactly', async () => {
  const run = await pipeline.triggerAndWait(wideJob);
  expect(run).toMatchObject({
    status: 'succeeded',
    rowsExtracted: rows,
    rowsLoaded: rows,
    rowsInvalid: 0,
    rowsRejected: 0,
    rowsStale: 0,
    batches: rows / 250,
    batchesLoaded: rows / 250,
    failedBatches: 0,
  });
  expect(await tableFingerprint(databaseUrl(), wideTable)).toEqual(
    await tableFingerprint(warehouseUrl(), wideTable),
  );
});

it('fails the run on one row larger than the limit, naming its key and size', async () => {
  const run = await pipeline.triggerAndWait(hugeRowJob);
  expect(run.status).toBe('failed');
  expect(run.error).toMatch(/1 of 2 batches failed/);
  const failures = await pipeline.api<Array<{ runId: string; errorCode: string; error: string }>>(
    `/failures?job=${hugeRowJob}`,
  );
  expect(failures.find((failure) => failure.runId === run.runId)).toMatchObject({
    errorCode: 'ROW_TOO_LARGE',
    error: expect.stringMatching(
      /row with key \(id=42\) takes 5\d{4} bytes, above the 32768-byte batch limit/,
    ),
  });
});
