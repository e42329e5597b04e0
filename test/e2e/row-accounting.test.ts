// Row accounting end to end: a run succeeds only when extracted = loaded + invalid + rejected,
// with invalid rows (refused by the entity's rules, transformer) and rejected rows (refused by
// the target database, loader) counted apart. A target that refuses rows fails the run by
// default (max_rejected_rows: 0), names the column, the SQLSTATE and the database's message, and
// leaves the watermark; a job that allows some rejected rows succeeds with every row accounted for.
import { Client } from 'pg';
import { createAllTypesTable, executeSql } from '@qupersync/testing';
import { PipelineHarness, RunSummary, uniqueSuffix } from './pipeline.harness';

jest.setTimeout(300_000);

const suffix = uniqueSuffix();
const rows = 300;
const tables = {
  strict: `e2e_acct_strict_${suffix}`,
  tolerant: `e2e_acct_tolerant_${suffix}`,
  capped: `e2e_acct_capped_${suffix}`,
};
const jobs = {
  strict: `e2e-acct-strict-${suffix}`,
  tolerant: `e2e-acct-tolerant-${suffix}`,
  capped: `e2e-acct-capped-${suffix}`,
};
const warehouseUrl = (): string => process.env.WAREHOUSE_DATABASE_URL ?? '';
const databaseUrl = (): string => process.env.DATABASE_URL ?? '';

// createAllTypesTable: customer_id is NULL when g % 11 = 0, measure when g % 17 = 0.
const generations = Array.from({ length: rows }, (_, index) => index + 1);
const nullCustomer = generations.filter((g) => g % 11 === 0).length;
const nullMeasure = generations.filter((g) => g % 17 === 0).length;
const nullBoth = generations.filter((g) => g % 11 === 0 && g % 17 === 0).length;

let pipeline: PipelineHarness;

beforeAll(async () => {
  for (const table of Object.values(tables)) {
    await createAllTypesTable(warehouseUrl(), table, rows);
    await executeSql(databaseUrl(), `DROP TABLE IF EXISTS public.${table}`);
  }
  pipeline = await PipelineHarness.start([
    { name: jobs.strict, table: tables.strict, batchSize: 100, extra: ['max_retries: 1'] },
    {
      name: jobs.tolerant,
      table: tables.tolerant,
      mode: 'full',
      batchSize: 100,
      extra: ['max_rejected_rows: 100', 'entity: { required: [measure] }'],
    },
    {
      name: jobs.capped,
      table: tables.capped,
      mode: 'full',
      batchSize: 100,
      extra: ['max_rejected_rows: 10'],
    },
  ]);
});

afterAll(async () => {
  await pipeline?.stop();
});

async function count(table: string): Promise<number> {
  const client = new Client({ connectionString: databaseUrl() });
  await client.connect();
  try {
    const result = await client.query<{ n: string }>(`SELECT count(*) AS n FROM public.${table}`);
    return Number(result.rows[0]?.n);
  } finally {
    await client.end();
  }
}

/** Empties the target the first run created and makes it refuse a NULL customer_id. */
async function refuseNullCustomers(table: string): Promise<void> {
  await executeSql(
    databaseUrl(),
    `DELETE FROM public.${table}; ALTER TABLE public.${table} ALTER COLUMN customer_id SET NOT NULL`,
  );
}

function expectBalanced(run: RunSummary): void {
  expect(run.rowsLoaded + run.rowsInvalid + run.rowsRejected).toBe(run.rowsExtracted);
}

it('fails the run on a row the target refuses, naming column and SQLSTATE, and keeps the watermark', async () => {
  const first = await pipeline.triggerAndWait(jobs.strict, { mode: 'incremental' });
  expect(first).toMatchObject({ status: 'succeeded', rowsExtracted: rows, rowsLoaded: rows });
  const watermark = first.watermark;
  expect(watermark).not.toBeNull();

  await refuseNullCustomers(tables.strict);
  await executeSql(
    warehouseUrl(),
    `UPDATE public.${tables.strict} SET updated_at = updated_at + INTERVAL '1 day'`,
  );
  const second = await pipeline.triggerAndWait(jobs.strict, { mode: 'incremental' });
  expect(second.status).toBe('failed');
  expect(second.failedBatches).toBe(3);
  // Nothing of a failed batch is committed: the refused rows' neighbours wait for the retry too.
  expect(await count(tables.strict)).toBe(0);
  const failures = JSON.stringify(await pipeline.api<unknown>(`/failures?job=${jobs.strict}`));
  expect(failures).toMatch(/TARGET_ROW_REJECTED/);
  expect(failures).toMatch(/above max_rejected_rows 0/);
  expect(failures).toMatch(/SQLSTATE 23502, column customer_id: null value in column \\"customer_id\\"/);
  const jobView = (await pipeline.api<Array<{ name: string; watermark: string | null }>>('/jobs')).find(
    (job) => job.name === jobs.strict,
  );
  expect(jobView?.watermark).toBe(JSON.stringify(watermark));
});

it('counts invalid and rejected rows apart and succeeds when every row is accounted for', async () => {
  const first = await pipeline.triggerAndWait(jobs.tolerant, { mode: 'full' });
  expect(first).toMatchObject({ status: 'succeeded', rowsInvalid: nullMeasure, rowsRejected: 0 });
  await refuseNullCustomers(tables.tolerant);

  const run = await pipeline.triggerAndWait(jobs.tolerant, { mode: 'full' });
  const rejected = nullCustomer - nullBoth; // a row without measure never reaches the loader
  expect(run).toMatchObject({
    status: 'succeeded',
    rowsExtracted: rows,
    rowsInvalid: nullMeasure,
    rowsRejected: rejected,
    rowsDeadLettered: nullMeasure + rejected,
    rowsLoaded: rows - nullMeasure - rejected,
    rowsStale: 0,
    failedBatches: 0,
  });
  expectBalanced(run);
  expect(await count(tables.tolerant)).toBe(rows - nullMeasure - rejected);
});

it('fails the run when its rejected rows add up past max_rejected_rows, though no batch did', async () => {
  await pipeline.triggerAndWait(jobs.capped, { mode: 'full' });
  await refuseNullCustomers(tables.capped);
  const run = await pipeline.triggerAndWait(jobs.capped, { mode: 'full' });
  expect(run).toMatchObject({ status: 'failed', failedBatches: 0, rowsRejected: nullCustomer });
  expect(run.error).toBe(`${nullCustomer} row(s) rejected by the target, above max_rejected_rows 10`);
});
