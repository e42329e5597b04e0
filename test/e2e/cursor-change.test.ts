// The stored watermark remembers its columns. After a job's watermark (or primary key) changes in
// the jobs file, an incremental run is refused with a message naming `qupersync reset <job>`,
// instead of comparing old values with new columns; after the reset the job syncs from the start.
import { createAllTypesTable, executeSql, tableFingerprint } from '@qupersync/testing';
import { PipelineHarness, uniqueSuffix } from './pipeline.harness';

jest.setTimeout(300_000);

const suffix = uniqueSuffix();
const table = `e2e_cursor_${suffix}`;
const job = `e2e-cursor-${suffix}`;
const rows = 500;
const warehouseUrl = (): string => process.env.WAREHOUSE_DATABASE_URL ?? '';
const databaseUrl = (): string => process.env.DATABASE_URL ?? '';

let pipeline: PipelineHarness | undefined;

beforeAll(async () => {
  await createAllTypesTable(warehouseUrl(), table, rows);
  await executeSql(databaseUrl(), `DROP TABLE IF EXISTS public.${table}`);
});

afterAll(async () => {
  await pipeline?.stop();
});

it('refuses an incremental run after the watermark column changed, until the job is reset', async () => {
  pipeline = await PipelineHarness.start([{ name: job, table, mode: 'incremental' }]);
  expect(await pipeline.triggerAndWait(job)).toMatchObject({ status: 'succeeded', rowsExtracted: rows });
  await pipeline.stop();

  // The same job, now paged by another watermark column.
  pipeline = await PipelineHarness.start([{ name: job, table, mode: 'incremental', watermark: 'seen_at' }]);
  await expect(pipeline.trigger(job)).rejects.toThrow(
    /400 .*cursor columns changed from \(updated_at, id\) to \(seen_at, id\) since the watermark .* was stored; run `qupersync reset [\w-]+`/,
  );
  // A watermark of the wrong shape is refused; a reset clears it.
  await expect(
    pipeline.api(`/jobs/${job}/reset`, { method: 'POST', body: JSON.stringify({ watermark: ['x'] }) }),
  ).rejects.toThrow(/400 .*has 2 values \(seen_at, id\), not 1/);
  expect(await pipeline.api(`/jobs/${job}/reset`, { method: 'POST', body: '{}' })).toEqual({
    job,
    watermark: null,
  });
  const run = await pipeline.triggerAndWait(job);
  expect(run).toMatchObject({ status: 'succeeded', rowsExtracted: rows });
  expect(await tableFingerprint(databaseUrl(), table)).toEqual(await tableFingerprint(warehouseUrl(), table));
  const jobs = await pipeline.api<Array<{ name: string; watermark: string | null }>>('/jobs');
  expect(JSON.parse(jobs.find((candidate) => candidate.name === job)?.watermark ?? 'null')).toHaveLength(2);
});
