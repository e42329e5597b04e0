// A run that makes no progress for longer than RUN_STALL_TIMEOUT_MS is failed with that reason;
// the batches its slow extraction still produces are fenced (dropped and counted as stale, never
// written), and the job can run again afterwards.
import { executeSql, tableFingerprint } from '@qupersync/testing';
import { PipelineHarness, uniqueSuffix } from './pipeline.harness';

jest.setTimeout(120_000);

const suffix = uniqueSuffix();
const table = `e2e_stall_${suffix}`;
const job = `e2e-stall-${suffix}`;
let pipeline: PipelineHarness;

beforeAll(async () => {
  await executeSql(
    process.env.WAREHOUSE_DATABASE_URL ?? '',
    `CREATE TABLE public.${table} (id bigint PRIMARY KEY, updated_at timestamp)`,
  );
  await executeSql(
    process.env.WAREHOUSE_DATABASE_URL ?? '',
    `INSERT INTO public.${table} SELECT g, now() FROM generate_series(1, 10) g`,
  );
  pipeline = await PipelineHarness.start([{ name: job, table, mode: 'full' }], {
    environment: { RUN_STALL_TIMEOUT_MS: '2000' },
  });
});

afterAll(async () => {
  await pipeline?.injectDataApiFaults(null).catch(() => undefined);
  await pipeline?.stop();
});

it('fails a run that stalls, naming the reason, and runs the job again afterwards', async () => {
  // Statements now sit in SUBMITTED for 10 s: the extraction cannot report anything in time.
  await pipeline.injectDataApiFaults({ statementQueueDelayMs: 10_000 });
  const stalled = await pipeline.triggerAndWait(job);
  expect(stalled.status).toBe('failed');
  expect(stalled.error).toMatch(/no progress for 2s \(stalled\)/);
  await pipeline.injectDataApiFaults(null);

  // The slow extraction still finishes; its batches reach the loader after the run has ended, so
  // they are dropped as stale, and its events must not revive the run.
  const after = await pipeline.waitForRunState(
    stalled.runId,
    'counted the stalled extraction as stale',
    (run) => run.rowsStale >= 10,
  );
  expect(after).toMatchObject({ status: 'failed', rowsStale: 10, rowsLoaded: 0 });
  expect(
    (await tableFingerprint(process.env.DATABASE_URL ?? '', table).catch(() => ({ rows: 0 }))).rows,
  ).toBe(0);

  const next = await pipeline.triggerAndWait(job);
  expect(next).toMatchObject({ status: 'succeeded', rowsLoaded: 10 });
});
