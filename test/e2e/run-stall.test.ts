// A run that makes no progress for longer than RUN_STALL_TIMEOUT_MS is failed with that reason,
// and the job can run again afterwards.
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

  // The slow extraction still finishes and its rows load; its events must not revive the run.
  const deadline = Date.now() + 60_000;
  while (
    (await tableFingerprint(process.env.DATABASE_URL ?? '', table).catch(() => ({ rows: 0 }))).rows < 10
  ) {
    if (Date.now() > deadline) throw new Error('the stalled extraction never finished');
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  expect((await pipeline.api<{ status: string }>(`/runs/${stalled.runId}`)).status).toBe('failed');

  const next = await pipeline.triggerAndWait(job);
  expect(next).toMatchObject({ status: 'succeeded', rowsLoaded: 10 });
});
