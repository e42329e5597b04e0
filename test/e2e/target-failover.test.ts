// A PostgreSQL failover as the services see it: mid-run the target (which also holds the sync
// state) turns read-only and every session is cut, as when a replica is promoted behind a proxy.
// Writes fail with 25006 and connections break: the loader and the coordinator treat both as
// "not now", pause and retry, and the run completes exactly once the database is writable again,
// with no batch failed and no event dead-lettered.
import { Client } from 'pg';
import { createAllTypesTable, executeSql, tableFingerprint } from '@qupersync/testing';
import { PipelineHarness, uniqueSuffix } from './pipeline.harness';

jest.setTimeout(300_000);

const suffix = uniqueSuffix();
const table = `e2e_failover_${suffix}`;
const job = `e2e-failover-${suffix}`;
const rows = 30_000;
const warehouseUrl = (): string => process.env.WAREHOUSE_DATABASE_URL ?? '';
const databaseUrl = (): string => process.env.DATABASE_URL ?? '';

let pipeline: PipelineHarness;

beforeAll(async () => {
  await createAllTypesTable(warehouseUrl(), table, rows);
  await executeSql(databaseUrl(), `DROP TABLE IF EXISTS public.${table}`);
  pipeline = await PipelineHarness.start([{ name: job, table, mode: 'full', batchSize: 500 }]);
});

afterAll(async () => {
  await setReadOnly(false).catch(() => undefined);
  await pipeline?.stop();
});

/** Switches the whole database read-only (or back) for new sessions, then cuts every other session. */
async function setReadOnly(readOnly: boolean): Promise<void> {
  const client = new Client({ connectionString: databaseUrl() });
  await client.connect();
  try {
    await client.query('SET default_transaction_read_only = off');
    const database = (await client.query<{ name: string }>('SELECT current_database() AS name')).rows[0]
      ?.name;
    await client.query(
      `ALTER DATABASE "${database ?? ''}" SET default_transaction_read_only = ${readOnly ? 'on' : 'off'}`,
    );
    await client.query(
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
    );
  } finally {
    await client.end();
  }
}

it('completes a run exactly when the target turns read-only and drops its sessions mid-run', async () => {
  const { runId } = await pipeline.trigger(job);
  await pipeline.waitForRunState(runId, 'loaded 5 batches', (run) => run.batchesLoaded >= 5, 120_000);
  await setReadOnly(true);
  // Long enough for every service to meet the read-only database and retry more than once.
  await new Promise((resolve) => setTimeout(resolve, 6_000));
  await setReadOnly(false);

  const run = await pipeline.waitForRun(runId);
  expect(run).toMatchObject({ status: 'succeeded', rowsLoaded: rows, failedBatches: 0, rowsStale: 0 });
  expect(await tableFingerprint(databaseUrl(), table)).toEqual(await tableFingerprint(warehouseUrl(), table));
});
