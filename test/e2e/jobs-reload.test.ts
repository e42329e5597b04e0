// Jobs without restarts (issue 14): `qupersync jobs reload` (and SIGHUP) make an edited jobs file
// current in every service. A changed job's next run uses its new rules in the transformer, which
// was never told (the run's job version makes it read the file again); an added job runs; a
// removed job cannot be triggered, and its active run finishes with the definition it started
// with, or is cancelled when the operator says so. An invalid file changes nothing.
import { Client } from 'pg';
import { createKeyedTable, executeSql } from '@qupersync/testing';
import { z } from 'zod';
import { JobSpec, PipelineHarness, uniqueSuffix } from './pipeline.harness';

jest.setTimeout(300_000);

const suffix = uniqueSuffix();
const tables = {
  changed: `e2e_reload_changed_${suffix}`,
  finish: `e2e_reload_finish_${suffix}`,
  cancel: `e2e_reload_cancel_${suffix}`,
  added: `e2e_reload_added_${suffix}`,
};
const jobs = {
  changed: `e2e-reload-changed-${suffix}`,
  finish: `e2e-reload-finish-${suffix}`,
  cancel: `e2e-reload-cancel-${suffix}`,
  added: `e2e-reload-added-${suffix}`,
  late: `e2e-reload-late-${suffix}`,
};
const warehouseUrl = (): string => process.env.WAREHOUSE_DATABASE_URL ?? '';
const databaseUrl = (): string => process.env.DATABASE_URL ?? '';
let pipeline: PipelineHarness;

const reloadSchema = z.object({
  added: z.array(z.string()),
  removed: z.array(z.string()),
  changed: z.array(z.string()),
  unchanged: z.array(z.string()),
  runsFinishing: z.array(z.string()),
  runsCancelled: z.array(z.string()),
});

const spec = {
  changed: { name: jobs.changed, table: tables.changed, mode: 'full', batchSize: 500 },
  changedUpper: {
    name: jobs.changed,
    table: tables.changed,
    mode: 'full',
    batchSize: 500,
    extra: ['entity: { rules: [{ type: case, columns: [note], to: upper }] }'],
  },
  finish: { name: jobs.finish, table: tables.finish, mode: 'full', batchSize: 500 },
  cancel: { name: jobs.cancel, table: tables.cancel, mode: 'full', batchSize: 500 },
  added: { name: jobs.added, table: tables.added, mode: 'full', batchSize: 500 },
  late: { name: jobs.late, table: tables.added, mode: 'full', batchSize: 500 },
} satisfies Record<string, JobSpec>;

async function targetNote(table: string, id: number): Promise<string | undefined> {
  const client = new Client({ connectionString: databaseUrl() });
  await client.connect();
  try {
    const result = await client.query<{ note: string }>(`SELECT note FROM public.${table} WHERE id = $1`, [
      id,
    ]);
    return result.rows[0]?.note;
  } finally {
    await client.end();
  }
}

function reload(...flags: string[]): z.infer<typeof reloadSchema> {
  const result = pipeline.cli('jobs', 'reload', '--json', ...flags);
  if (result.status !== 0) throw new Error(`jobs reload exited ${String(result.status)}: ${result.stderr}`);
  return reloadSchema.parse(JSON.parse(result.stdout));
}

beforeAll(async () => {
  for (const table of Object.values(tables)) {
    await createKeyedTable(warehouseUrl(), table, table === tables.finish ? 3_000 : 1_000);
    await executeSql(
      warehouseUrl(),
      `ALTER TABLE public.${table} ADD COLUMN note varchar(40); UPDATE public.${table} SET note = 'row ' || id`,
    );
  }
  pipeline = await PipelineHarness.start([spec.changed, spec.finish, spec.cancel]);
});

afterAll(async () => {
  await pipeline?.stop();
});

it('makes an edited jobs file current everywhere; a removed job finishes its run, then cannot run', async () => {
  expect(await pipeline.triggerAndWait(jobs.changed)).toMatchObject({
    status: 'succeeded',
    rowsLoaded: 1_000,
  });
  expect(await targetNote(tables.changed, 7)).toBe('row 7');

  // The run of the job about to be removed is held at its first statement while the file changes.
  await pipeline.injectDataApiFaults({ statementQueueDelayMs: 5_000, queueDelayMatching: tables.finish });
  const { runId: finishing } = await pipeline.trigger(jobs.finish);
  await pipeline.waitForRunState(finishing, 'extracting', (run) => run.status === 'extracting');
  pipeline.rewriteJobs([spec.changedUpper, spec.cancel, spec.added]);
  expect(reload()).toEqual({
    added: [jobs.added],
    removed: [jobs.finish],
    changed: [jobs.changed],
    unchanged: [jobs.cancel],
    runsFinishing: [finishing],
    runsCancelled: [],
  });
  // It finishes with the definition it started with, though its job is gone.
  expect(await pipeline.waitForRun(finishing)).toMatchObject({ status: 'succeeded', rowsLoaded: 3_000 });
  await pipeline.injectDataApiFaults(null);

  // Nobody told the extractor, transformer or loader: the run's job version makes them read the file.
  expect(await pipeline.triggerAndWait(jobs.changed)).toMatchObject({
    status: 'succeeded',
    rowsLoaded: 1_000,
  });
  expect(await targetNote(tables.changed, 7)).toBe('ROW 7');
  expect(await pipeline.triggerAndWait(jobs.added)).toMatchObject({ status: 'succeeded', rowsLoaded: 1_000 });
  const removed = pipeline.cli('trigger', jobs.finish, '--json');
  expect(removed.status).not.toBe(0);
  expect(removed.stderr).toMatch(/unknown job/);
});

it('cancels a removed job’s active run when asked, refuses an invalid file, and reloads on SIGHUP', async () => {
  await pipeline.injectDataApiFaults({ statementQueueDelayMs: 20_000, queueDelayMatching: tables.cancel });
  const { runId: doomed } = await pipeline.trigger(jobs.cancel);
  await pipeline.waitForRunState(doomed, 'extracting', (run) => run.status === 'extracting');
  pipeline.rewriteJobs([spec.changedUpper, spec.added]);
  expect(reload('--removed', 'cancel')).toMatchObject({ removed: [jobs.cancel], runsCancelled: [doomed] });
  expect(await pipeline.waitForRun(doomed)).toMatchObject({ status: 'cancelled' });
  await pipeline.injectDataApiFaults(null);

  // A broken file is refused with its problem, and the jobs stay as they were.
  pipeline.rewriteJobs([{ ...spec.added, batchSize: 0 }]);
  const broken = pipeline.cli('jobs', 'reload');
  expect(broken.status).not.toBe(0);
  expect(broken.stderr).toMatch(/field batch_size/);
  expect(await pipeline.triggerAndWait(jobs.changed)).toMatchObject({ status: 'succeeded' });

  // SIGHUP to the coordinator reloads too.
  pipeline.rewriteJobs([spec.changedUpper, spec.added, spec.late]);
  pipeline.signal('coordinator', 'SIGHUP');
  const deadline = Date.now() + 20_000;
  for (;;) {
    const names = z
      .array(z.object({ name: z.string() }))
      .parse(await pipeline.api('/jobs'))
      .map((job) => job.name);
    if (names.includes(jobs.late)) break;
    if (Date.now() > deadline) throw new Error(`SIGHUP did not reload the jobs: ${names.join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  expect(await pipeline.triggerAndWait(jobs.late)).toMatchObject({ status: 'succeeded', rowsLoaded: 1_000 });
});
