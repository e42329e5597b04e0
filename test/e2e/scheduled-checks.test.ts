// Scheduled checks recorded like runs (issue 15): verify_schedule starts verify runs that succeed
// while the target equals the source and fail, with the counts, once it does not (and set
// qupersync_verify_differences); reconcile_schedule starts reconcile runs that delete the keys
// the source lost from an incremental job's target, which its cursor never sees.
import { createKeyedTable, executeSql, tableFingerprint } from '@qupersync/testing';
import { z } from 'zod';
import { PipelineHarness, uniqueSuffix } from './pipeline.harness';

jest.setTimeout(300_000);

const suffix = uniqueSuffix();
const tables = { verify: `e2e_checks_verify_${suffix}`, reconcile: `e2e_checks_reconcile_${suffix}` };
const jobs = { verify: `e2e-checks-verify-${suffix}`, reconcile: `e2e-checks-reconcile-${suffix}` };
const warehouseUrl = (): string => process.env.WAREHOUSE_DATABASE_URL ?? '';
const databaseUrl = (): string => process.env.DATABASE_URL ?? '';
const everyThreeSeconds = "'*/3 * * * * *'";
let pipeline: PipelineHarness;

const runSchema = z.object({
  runId: z.string(),
  job: z.string(),
  mode: z.string(),
  status: z.string(),
  rowsDeleted: z.number(),
  error: z.string().nullable(),
  verifyReport: z
    .object({
      equal: z.boolean(),
      rowsSource: z.number(),
      rowsTarget: z.number(),
      missing: z.number(),
      extra: z.number(),
      different: z.number(),
    })
    .nullable(),
  createdAt: z.string(),
});
type Run = z.infer<typeof runSchema>;

/** Polls the job's runs until one started after `after` of `mode` has ended and passes `check`. */
async function checkRunAfter(
  job: string,
  mode: string,
  after: string,
  check: (run: Run) => boolean,
): Promise<Run> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const runs = z.array(runSchema).parse(await pipeline.api(`/runs?job=${job}&limit=50`));
    const found = runs.find(
      (run) =>
        run.mode === mode &&
        run.createdAt > after &&
        ['succeeded', 'failed', 'cancelled'].includes(run.status) &&
        check(run),
    );
    if (found !== undefined) return found;
    if (Date.now() > deadline)
      throw new Error(`no ended ${mode} run of ${job} after ${after}: ${JSON.stringify(runs.slice(0, 5))}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

beforeAll(async () => {
  for (const table of Object.values(tables)) {
    await createKeyedTable(warehouseUrl(), table, 2_000);
    await executeSql(
      warehouseUrl(),
      `ALTER TABLE public.${table} ADD COLUMN note varchar(40); UPDATE public.${table} SET note = 'row ' || id`,
    );
  }
  pipeline = await PipelineHarness.start([
    {
      name: jobs.verify,
      table: tables.verify,
      batchSize: 500,
      extra: [`verify_schedule: ${everyThreeSeconds}`],
    },
    {
      name: jobs.reconcile,
      table: tables.reconcile,
      batchSize: 500,
      extra: ['deletes: hard', `reconcile_schedule: ${everyThreeSeconds}`],
    },
  ]);
});

afterAll(async () => {
  await pipeline?.stop();
});

it('records scheduled verifications as runs: equal, then the counts of a difference, and the metric', async () => {
  // The schedule may hold the job when the trigger comes: the trigger then waits behind it.
  const synced = await pipeline.triggerAndWait(jobs.verify);
  expect(synced.status).toBe('succeeded');
  const equal = await checkRunAfter(jobs.verify, 'verify', synced.finishedAt ?? '', () => true);
  expect(equal).toMatchObject({
    status: 'succeeded',
    error: null,
    verifyReport: { equal: true, rowsSource: 2_000, rowsTarget: 2_000, missing: 0, extra: 0, different: 0 },
  });

  const changedAt = new Date().toISOString();
  await executeSql(
    databaseUrl(),
    `UPDATE public.${tables.verify} SET note = 'changed behind its back' WHERE id = 5`,
  );
  const differs = await checkRunAfter(jobs.verify, 'verify', changedAt, () => true);
  expect(differs).toMatchObject({
    status: 'failed',
    verifyReport: { equal: false, missing: 0, extra: 0, different: 1 },
  });
  expect(differs.error).toMatch(/not equal to the source: 0 missing, 0 extra, 1 different/);
  expect(
    await pipeline.metric(
      'coordinator',
      `qupersync_verify_differences{job="${jobs.verify}",kind="different"}`,
    ),
  ).toBe(1);
});

it('deletes the keys an incremental job never sees go, on its reconcile schedule', async () => {
  const synced = await pipeline.triggerAndWait(jobs.reconcile);
  expect(synced).toMatchObject({ status: 'succeeded', rowsLoaded: 2_000 });
  const deletedAt = new Date().toISOString();
  await executeSql(warehouseUrl(), `DELETE FROM public.${tables.reconcile} WHERE id BETWEEN 1001 AND 1030`);
  const reconciled = await checkRunAfter(
    jobs.reconcile,
    'reconcile',
    deletedAt,
    (run) => run.rowsDeleted > 0,
  );
  expect(reconciled).toMatchObject({ status: 'succeeded', rowsDeleted: 30 });
  const columns = ['id', 'updated_at', 'note'];
  expect(await tableFingerprint(databaseUrl(), tables.reconcile, columns)).toEqual(
    await tableFingerprint(warehouseUrl(), tables.reconcile, columns),
  );
  // The watermark is the sync's: a reconcile run never moves it, and an incremental run after it loads nothing.
  expect(await pipeline.triggerAndWait(jobs.reconcile)).toMatchObject({ status: 'succeeded', rowsLoaded: 0 });
});
