// Late commits: a row committed after a run with a watermark below the stored one is read by the
// next run within the job's lookback window, for timestamp and timestamptz watermarks alike; a
// settle window keeps the upper bound behind the warehouse's clock, so rows of transactions still
// open there wait for the next run instead of being passed over; lookback on a watermark that is
// not a date or time fails the run naming the column.
import { createAllTypesTable, executeSql, tableFingerprint } from '@qupersync/testing';
import { PipelineHarness, RunSummary, uniqueSuffix } from './pipeline.harness';

jest.setTimeout(300_000);

const suffix = uniqueSuffix();
const names = ['stamp', 'zoned', 'settled', 'integer'] as const;
type Name = (typeof names)[number];
const table = (name: Name): string => `e2e_late_${name}_${suffix}`;
const job = (name: Name): string => `e2e-late-${name}-${suffix}`;
const rows = 200;
const warehouseUrl = (): string => process.env.WAREHOUSE_DATABASE_URL ?? '';
const databaseUrl = (): string => process.env.DATABASE_URL ?? '';

let pipeline: PipelineHarness;

beforeAll(async () => {
  for (const name of names) {
    await createAllTypesTable(warehouseUrl(), table(name), rows);
    await executeSql(databaseUrl(), `DROP TABLE IF EXISTS public.${table(name)}`);
  }
  pipeline = await PipelineHarness.start([
    { name: job('stamp'), table: table('stamp'), extra: ['lookback: 1h'] },
    { name: job('zoned'), table: table('zoned'), watermark: 'seen_at', extra: ['lookback: 1h'] },
    { name: job('settled'), table: table('settled'), extra: ['settle: 1h'] },
    { name: job('integer'), table: table('integer'), watermark: 'small_value', extra: ['lookback: 1h'] },
  ]);
});

afterAll(async () => {
  await pipeline?.stop();
});

async function expectTargetEqualsSource(name: Name): Promise<void> {
  expect(await tableFingerprint(databaseUrl(), table(name))).toEqual(
    await tableFingerprint(warehouseUrl(), table(name)),
  );
}

it.each([
  ['stamp', 'updated_at'],
  ['zoned', 'seen_at'],
] as const)('reads a late row below the stored watermark within the lookback (%s)', async (name, column) => {
  expect(await pipeline.triggerAndWait(job(name))).toMatchObject({
    status: 'succeeded',
    rowsExtracted: rows,
  });
  // Committed after the run, 10 minutes older than the newest row it read.
  await executeSql(
    warehouseUrl(),
    `INSERT INTO public.${table(name)} (id, updated_at, seen_at, note)
     SELECT 9307199254740000, ${column === 'updated_at' ? `max(updated_at) - INTERVAL '10 minutes'` : 'max(updated_at)'},
            ${column === 'seen_at' ? `max(seen_at) - INTERVAL '10 minutes'` : 'max(seen_at)'}, 'late'
     FROM public.${table(name)}`,
  );
  const second = await pipeline.triggerAndWait(job(name));
  expect(second.status).toBe('succeeded');
  expect(second.rowsExtracted).toBeGreaterThan(0);
  await expectTargetEqualsSource(name);
});

it('keeps rows newer than the settle window for a later run', async () => {
  // One row stamped by the warehouse "now": its transaction could still be open elsewhere.
  await executeSql(
    warehouseUrl(),
    `UPDATE public.${table('settled')} SET updated_at = getdate() WHERE id % 50 = 1`,
  );
  const run = await pipeline.triggerAndWait(job('settled'));
  expect(run).toMatchObject({ status: 'succeeded', rowsExtracted: rows - 4 });
  // The same rows, an hour and a half older: now outside the settle window, read by the next run.
  await executeSql(
    warehouseUrl(),
    `UPDATE public.${table('settled')} SET updated_at = updated_at - INTERVAL '90 minutes' WHERE id % 50 = 1`,
  );
  const next = await pipeline.triggerAndWait(job('settled'));
  expect(next).toMatchObject({ status: 'succeeded', rowsExtracted: 4 });
  await expectTargetEqualsSource('settled');
});

it('fails a run whose lookback cannot work on its watermark, naming the column', async () => {
  await pipeline.triggerAndWait(job('integer'));
  const run = await pipeline.triggerAndWait(job('integer'));
  expect(run).toMatchObject<Partial<RunSummary>>({ status: 'failed' });
  expect(run.error).toContain(
    'lookback needs a date, timestamp or timestamptz watermark; "small_value" is int2',
  );
});
