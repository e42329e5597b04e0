// Triggers that arrive during a run. A request key is an idempotency key per job, so two jobs
// sharing one key both run. A trigger that arrives after the active run has fixed its upper
// bound joins one queued follow-up run, which starts when the active run ends and reads the rows
// the sender wrote meanwhile; the coordinator tells a Kafka sender which run its key joined.
import { executeSql, createAllTypesTable, tableFingerprint } from '@qupersync/testing';
import { PipelineHarness, RunSummary, uniqueSuffix } from './pipeline.harness';

jest.setTimeout(300_000);

const suffix = uniqueSuffix();
const tables = { first: `e2e_follow_a_${suffix}`, second: `e2e_follow_b_${suffix}` };
const jobs = { first: `e2e-follow-a-${suffix}`, second: `e2e-follow-b-${suffix}` };
const rows = 2_000;
const warehouseUrl = (): string => process.env.WAREHOUSE_DATABASE_URL ?? '';
const databaseUrl = (): string => process.env.DATABASE_URL ?? '';

let pipeline: PipelineHarness;

beforeAll(async () => {
  for (const table of Object.values(tables)) {
    await createAllTypesTable(warehouseUrl(), table, rows);
    await executeSql(databaseUrl(), `DROP TABLE IF EXISTS public.${table}`);
  }
  pipeline = await PipelineHarness.start([
    { name: jobs.first, table: tables.first, batchSize: 10 },
    { name: jobs.second, table: tables.second, batchSize: 500 },
  ]);
});

afterAll(async () => {
  await pipeline?.injectDataApiFaults(null).catch(() => undefined);
  await pipeline?.stop();
});

it('keeps request keys per job: two jobs sending the same key both run', async () => {
  const requestKey = `shared-${suffix}`;
  const first = await pipeline.trigger(jobs.first, { requestKey });
  const second = await pipeline.trigger(jobs.second, { requestKey });
  expect(second.runId).not.toBe(first.runId);
  expect(second.coalesced).toBe(false);
  expect(await pipeline.waitForRun(first.runId)).toMatchObject({ job: jobs.first, status: 'succeeded' });
  expect(await pipeline.waitForRun(second.runId)).toMatchObject({ job: jobs.second, status: 'succeeded' });
  expect(await tableFingerprint(databaseUrl(), tables.second)).toEqual(
    await tableFingerprint(warehouseUrl(), tables.second),
  );
});

it('queues one follow-up run for triggers that come after the upper bound is fixed, and reads their rows', async () => {
  // Every row changes, so the run has 200 batches to extract; slow pages keep it extracting
  // long enough to trigger into it.
  await executeSql(
    warehouseUrl(),
    `UPDATE public.${tables.first} SET updated_at = updated_at + INTERVAL '1 day'`,
  );
  await pipeline.injectDataApiFaults({ latencyMs: 150 });
  const active = await pipeline.trigger(jobs.first, { mode: 'incremental' });
  // Once a row is extracted its upper bound is fixed: it was read before any row.
  await pipeline.waitForRunState(active.runId, 'started extracting', (run) => run.rowsExtracted > 0);
  // The sender writes rows, then asks for a sync: the active run cannot see them any more.
  await executeSql(
    warehouseUrl(),
    `INSERT INTO public.${tables.first} (id, updated_at, note)
     SELECT 9207199254740000 + g, TIMESTAMP '2030-01-01 00:00:00' + g * INTERVAL '1 second', 'late ' || g
     FROM generate_series(1, 50) g`,
  );
  const joined = await pipeline.trigger(jobs.first, { requestKey: `late-${suffix}-1` });
  const again = await pipeline.trigger(jobs.first, { requestKey: `late-${suffix}-2` });
  expect(joined).toMatchObject({ coalesced: true });
  expect(joined.runId).not.toBe(active.runId);
  expect(again).toMatchObject({ runId: joined.runId, coalesced: true });
  expect(await pipeline.api(`/jobs/${jobs.first}/requests/late-${suffix}-2`)).toEqual({
    job: jobs.first,
    requestKey: `late-${suffix}-2`,
    runId: joined.runId,
    coalesced: true,
  });
  expect((await pipeline.api<RunSummary>(`/runs/${joined.runId}`)).status).toBe('queued');
  await pipeline.injectDataApiFaults(null);

  expect(await pipeline.waitForRun(active.runId)).toMatchObject({ status: 'succeeded' });
  const followUp = await pipeline.waitForRun(joined.runId);
  expect(followUp).toMatchObject({ status: 'succeeded', rowsExtracted: 50, rowsLoaded: 50 });
  expect(await tableFingerprint(databaseUrl(), tables.first)).toEqual(
    await tableFingerprint(warehouseUrl(), tables.first),
  );
  // Exactly one follow-up: no other run of the job started after the active one.
  const runs = await pipeline.api<RunSummary[]>(`/runs?job=${jobs.first}&limit=100`);
  const later = runs.filter((run) => run.runId !== active.runId && run.runId !== joined.runId);
  expect(later.every((run) => run.status === 'succeeded' && run.requestKey === `shared-${suffix}`)).toBe(
    true,
  );
});
