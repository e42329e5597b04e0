// A run that makes no progress for longer than RUN_STALL_TIMEOUT_MS is failed with that reason;
// the coordinator announces the end on qupersync.run.control.v1, and the extraction still
// running for it stops at once and cancels its statement in the warehouse (it used to read on to
// the end, only for the loaders to drop every batch as stale). The job can run again afterwards.
import { ListStatementsCommand, RedshiftDataClient } from '@aws-sdk/client-redshift-data';
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
    `CREATE TABLE public.${table} (id bigint NOT NULL, updated_at timestamp)`,
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

  // The extraction of the ended run is stopped: its statement (still queued) is cancelled.
  const client = new RedshiftDataClient({
    endpoint: pipeline.dataApiUrl,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
  const deadline = Date.now() + 8_000;
  let statuses: string[] = [];
  while (Date.now() < deadline) {
    const listed = await client.send(
      new ListStatementsCommand({ StatementName: `qupersync:${job}:${stalled.runId}`, Status: 'ALL' }),
    );
    statuses = (listed.Statements ?? []).map((statement) => statement.Status ?? '');
    if (statuses.includes('ABORTED')) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  client.destroy();
  // Cancelled well before the 10 s queue delay would have let it run.
  expect(statuses).toEqual(['ABORTED']);
  expect(await pipeline.metric('extractor', 'qupersync_extractions_stopped_total')).toBe(1);
  await pipeline.injectDataApiFaults(null);

  // Nothing of the stopped extraction ever reaches the loader.
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  const after = await pipeline.api<{ status: string; rowsStale: number; rowsLoaded: number }>(
    `/runs/${stalled.runId}`,
  );
  expect(after).toMatchObject({ status: 'failed', rowsStale: 0, rowsLoaded: 0 });
  expect(
    (await tableFingerprint(process.env.DATABASE_URL ?? '', table).catch(() => ({ rows: 0 }))).rows,
  ).toBe(0);

  const next = await pipeline.triggerAndWait(job);
  expect(next).toMatchObject({ status: 'succeeded', rowsLoaded: 10 });
});
