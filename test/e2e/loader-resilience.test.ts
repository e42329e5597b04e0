// The load phase under stress on the real stack: three loaders with one killed by -9 mid-run,
// the target PostgreSQL restarted mid-run, batches sharing transactions (commit_per_batch:
// false), and target tables that evolve with the source or refuse to.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { allTypesColumns, createAllTypesTable, executeSql, tableFingerprint } from '@qupersync/testing';
import { startPostgres, stopPostgres, type PostgresCluster } from '../../tools/stack';
import { PipelineHarness, uniqueSuffix } from './pipeline.harness';

jest.setTimeout(300_000);

const suffix = uniqueSuffix();
const warehouseUrl = (): string => process.env.WAREHOUSE_DATABASE_URL ?? '';
const tables = {
  scaled: `e2e_scaled_${suffix}`,
  shared: `e2e_shared_tx_${suffix}`,
  evolving: `e2e_evolving_${suffix}`,
  strict: `e2e_strict_${suffix}`,
};
const jobs = {
  scaled: `e2e-scaled-${suffix}`,
  shared: `e2e-shared-tx-${suffix}`,
  evolving: `e2e-evolving-${suffix}`,
  strict: `e2e-strict-${suffix}`,
};

// A target cluster of this suite's own, so it can be restarted without touching the warehouse.
const clusterDirectory = mkdtempSync(join(tmpdir(), 'qupersync-target-pg-'));
let target: PostgresCluster;
let pipeline: PipelineHarness;

async function waitForLoadedBatches(runId: string, atLeast: number): Promise<void> {
  await pipeline.waitForRunState(
    runId,
    `loaded ${atLeast} batches`,
    (run) => run.batchesLoaded >= atLeast || run.status === 'succeeded' || run.status === 'failed',
  );
}

beforeAll(async () => {
  target = await startPostgres({ directory: clusterDirectory, durable: false });
  await createAllTypesTable(warehouseUrl(), tables.scaled, 60_000);
  await createAllTypesTable(warehouseUrl(), tables.shared, 20_000);
  await createAllTypesTable(warehouseUrl(), tables.evolving, 500);
  await createAllTypesTable(warehouseUrl(), tables.strict, 500);
  // Existing targets that lack a source column.
  for (const table of [tables.evolving, tables.strict]) {
    await executeSql(
      target.databaseUrl,
      `CREATE TABLE public.${table} (id bigint PRIMARY KEY, updated_at timestamp NOT NULL)`,
    );
  }
  pipeline = await PipelineHarness.start(
    [
      { name: jobs.scaled, table: tables.scaled, mode: 'full', batchSize: 500 },
      {
        name: jobs.shared,
        table: tables.shared,
        mode: 'full',
        batchSize: 500,
        extra: ['commit_per_batch: false'],
      },
      { name: jobs.evolving, table: tables.evolving, mode: 'full', extra: ['schema_evolution: add_columns'] },
      {
        name: jobs.strict,
        table: tables.strict,
        mode: 'full',
        extra: ['schema_evolution: fail', 'max_retries: 0'],
      },
    ],
    { loaders: 3, environment: { DATABASE_URL: target.databaseUrl } },
  );
});

afterAll(async () => {
  await pipeline?.stop();
  if (target) await stopPostgres(target);
});

it('finishes a run when one of three loaders is killed with -9 in the middle of it', async () => {
  const { runId } = await pipeline.trigger(jobs.scaled);
  await waitForLoadedBatches(runId, 10);
  await pipeline.killAndRestart('loader-2');
  const run = await pipeline.waitForRun(runId);
  expect(run).toMatchObject({ status: 'succeeded', rowsLoaded: 60_000, batches: 120, failedBatches: 0 });
  expect(await tableFingerprint(target.databaseUrl, tables.scaled)).toEqual(
    await tableFingerprint(warehouseUrl(), tables.scaled),
  );
});

it('finishes a run when the target PostgreSQL restarts in the middle of it, failing no batch', async () => {
  await executeSql(target.databaseUrl, `DROP TABLE public.${tables.scaled}`);
  const { runId } = await pipeline.trigger(jobs.scaled);
  await waitForLoadedBatches(runId, 10);
  await stopPostgres(target);
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  target = await startPostgres({ directory: clusterDirectory, port: target.port, durable: false });
  const run = await pipeline.waitForRun(runId);
  expect(run).toMatchObject({ status: 'succeeded', rowsLoaded: 60_000, failedBatches: 0 });
  expect(await tableFingerprint(target.databaseUrl, tables.scaled)).toEqual(
    await tableFingerprint(warehouseUrl(), tables.scaled),
  );
});

it('loads consecutive batches in shared transactions when commit_per_batch is false', async () => {
  const run = await pipeline.triggerAndWait(jobs.shared);
  expect(run).toMatchObject({ status: 'succeeded', rowsLoaded: 20_000, batches: 40, failedBatches: 0 });
  expect(await tableFingerprint(target.databaseUrl, tables.shared)).toEqual(
    await tableFingerprint(warehouseUrl(), tables.shared),
  );
});

it('adds new source columns to an existing target with schema_evolution: add_columns', async () => {
  const run = await pipeline.triggerAndWait(jobs.evolving);
  expect(run).toMatchObject({ status: 'succeeded', rowsLoaded: 500 });
  // The added columns get the exact source types, so the rows compare equal column by column.
  expect(await tableFingerprint(target.databaseUrl, tables.evolving, allTypesColumns)).toEqual(
    await tableFingerprint(warehouseUrl(), tables.evolving, allTypesColumns),
  );
});

it('fails the batches, naming the missing columns, with schema_evolution: fail', async () => {
  const run = await pipeline.triggerAndWait(jobs.strict);
  expect(run).toMatchObject({ status: 'failed', failedBatches: 1 });
  const failures = await pipeline.api<Array<{ runId: string; error: string }>>(
    `/failures?job=${jobs.strict}`,
  );
  expect(failures.find((failure) => failure.runId === run.runId)?.error).toMatch(
    /lacks column\(s\) customer_id, .* schema_evolution is fail/,
  );
});
