// A NULL in a primary key column never drops a row silently, and never stops the extraction: such
// rows are read apart (they have no place in key order), sent on, counted invalid by the
// transformer (the key is always required) and dead-lettered with the reason, in full and
// incremental runs alike; with on_invalid: fail the run fails. An incremental run reads the NULL-
// key rows of its own watermark window only, so old ones are not counted again.
import { executeSql, tableFingerprint } from '@qupersync/testing';
import { PipelineHarness, uniqueSuffix } from './pipeline.harness';

jest.setTimeout(300_000);

const suffix = uniqueSuffix();
const names = ['full', 'incremental', 'strict'] as const;
type Name = (typeof names)[number];
const table = (name: Name): string => `e2e_nullkey_${name}_${suffix}`;
const job = (name: Name): string => `e2e-nullkey-${name}-${suffix}`;
const rows = 100;
const nullKeys = 10; // g % 10 = 5: the newest row has a key (see docs/LIMITS.md on NULL keys)
const warehouseUrl = (): string => process.env.WAREHOUSE_DATABASE_URL ?? '';
const databaseUrl = (): string => process.env.DATABASE_URL ?? '';

let pipeline: PipelineHarness;

beforeAll(async () => {
  for (const name of names) {
    await executeSql(
      warehouseUrl(),
      `DROP TABLE IF EXISTS public.${table(name)};
       CREATE TABLE public.${table(name)} (id bigint, updated_at timestamp NOT NULL, note text);
       INSERT INTO public.${table(name)}
         SELECT CASE WHEN g % 10 = 5 THEN NULL ELSE g END, TIMESTAMP '2024-01-01' + g * INTERVAL '1 second', 'row ' || g
         FROM generate_series(1, ${rows}) g`,
    );
    await executeSql(databaseUrl(), `DROP TABLE IF EXISTS public.${table(name)}`);
  }
  pipeline = await PipelineHarness.start([
    { name: job('full'), table: table('full'), mode: 'full', batchSize: 30 },
    { name: job('incremental'), table: table('incremental'), mode: 'incremental', batchSize: 30 },
    {
      name: job('strict'),
      table: table('strict'),
      mode: 'full',
      batchSize: 30,
      extra: ['max_retries: 0', 'entity: { on_invalid: fail }'],
    },
  ]);
});

afterAll(async () => {
  await pipeline?.stop();
});

async function loadedRows(name: Name): Promise<number> {
  return (await tableFingerprint(databaseUrl(), table(name))).rows;
}

it('counts NULL-key rows of a full run as invalid and loads the others', async () => {
  const run = await pipeline.triggerAndWait(job('full'));
  expect(run).toMatchObject({
    status: 'succeeded',
    rowsExtracted: rows,
    rowsInvalid: nullKeys,
    rowsLoaded: rows - nullKeys,
    rowsRejected: 0,
  });
  expect(await loadedRows('full')).toBe(rows - nullKeys);
});

it('does the same incrementally, and counts each NULL-key row once per change', async () => {
  const first = await pipeline.triggerAndWait(job('incremental'));
  expect(first).toMatchObject({ status: 'succeeded', rowsExtracted: rows, rowsInvalid: nullKeys });
  await executeSql(
    warehouseUrl(),
    `INSERT INTO public.${table('incremental')} VALUES
       (NULL, '2025-01-01 00:00:01', 'late null 1'), (NULL, '2025-01-01 00:00:02', 'late null 2'),
       (1001, '2025-01-01 00:00:03', 'late 1001')`,
  );
  const second = await pipeline.triggerAndWait(job('incremental'));
  expect(second).toMatchObject({ status: 'succeeded', rowsExtracted: 3, rowsInvalid: 2, rowsLoaded: 1 });
  expect(await loadedRows('incremental')).toBe(rows - nullKeys + 1);
  const idle = await pipeline.triggerAndWait(job('incremental'));
  expect(idle).toMatchObject({ status: 'succeeded', rowsExtracted: 0, rowsInvalid: 0 });
});

it('fails the run under on_invalid: fail, naming the missing key', async () => {
  const run = await pipeline.triggerAndWait(job('strict'));
  expect(run.status).toBe('failed');
  const failures = JSON.stringify(await pipeline.api<unknown>(`/failures?job=${job('strict')}`));
  expect(failures).toMatch(/required field\(s\) missing: id/);
});
