// `qupersync cancel <run>` (issue 14, run control): the run ends as cancelled, its extraction
// stops and cancels its statement, batches still in flight never reach the target, the watermark
// stays, a second cancel is refused, and the job's next run reads everything, exactly.
import { executeSql, tableFingerprint } from '@qupersync/testing';
import { z } from 'zod';
import { PipelineHarness, uniqueSuffix } from './pipeline.harness';

jest.setTimeout(180_000);

const suffix = uniqueSuffix();
const table = `e2e_cancel_${suffix}`;
const job = `e2e-cancel-${suffix}`;
const rows = 60_000;
let pipeline: PipelineHarness;

const cancelledRunSchema = z.object({
  runId: z.string(),
  job: z.string(),
  status: z.string(),
  rowsLoaded: z.number(),
});

function qupersync(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  return pipeline.cli(...args);
}

beforeAll(async () => {
  const warehouse = process.env.WAREHOUSE_DATABASE_URL ?? '';
  await executeSql(
    warehouse,
    `CREATE TABLE public.${table} (id bigint NOT NULL, note varchar(40), updated_at timestamp NOT NULL)`,
  );
  await executeSql(
    warehouse,
    `INSERT INTO public.${table}
       SELECT g, 'row ' || g, timestamp '2024-01-01' + g * interval '1 second' FROM generate_series(1, ${rows}) g`,
  );
  pipeline = await PipelineHarness.start([{ name: job, table, batchSize: 500 }]);
});

afterAll(async () => {
  await pipeline?.injectDataApiFaults(null).catch(() => undefined);
  await pipeline?.stop();
});

it('cancels a run mid-extraction: fenced, watermark kept, refused twice, and the next run is exact', async () => {
  // Every Data API call takes 1.5 s, so reading the run's 12 pages takes over 18 s: it is
  // cancelled once its first batch is known, long before the last page is read.
  await pipeline.injectDataApiFaults({ latencyMs: 1_500 });
  const { runId } = await pipeline.trigger(job);
  await pipeline.waitForRunState(runId, 'extracted a batch', (run) => run.rowsExtracted > 0);

  const cancelled = qupersync('cancel', runId, '--json');
  expect(cancelled.stderr).toBe('');
  expect(cancelled.status).toBe(0);
  const view = cancelledRunSchema.parse(JSON.parse(cancelled.stdout));
  expect(view).toMatchObject({ runId, job, status: 'cancelled' });

  // The extraction stops (the extractor was told) ...
  const deadline = Date.now() + 15_000;
  while ((await pipeline.metric('extractor', 'qupersync_extractions_stopped_total')) < 1) {
    if (Date.now() > deadline) throw new Error('the extraction of the cancelled run did not stop');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await pipeline.injectDataApiFaults(null);
  // ... and what was still in flight is dropped by the loaders' fence: the target holds exactly
  // the rows the run had loaded, however long we wait.
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  const after = await pipeline.waitForRun(runId);
  expect(after.status).toBe('cancelled');
  expect(after.error).toMatch(/cancelled by an operator while (extracting|loading)/);
  expect(after.rowsLoaded).toBeLessThan(rows);
  const target = await tableFingerprint(process.env.DATABASE_URL ?? '', table);
  expect(target.rows).toBe(after.rowsLoaded);

  // The watermark stays where it was (none: this was the job's first run).
  const jobs = z
    .array(
      z.object({ name: z.string(), watermark: z.string().nullable(), activeRunId: z.string().nullable() }),
    )
    .parse(JSON.parse(qupersync('jobs', '--json').stdout));
  expect(jobs.find((entry) => entry.name === job)).toMatchObject({ watermark: null, activeRunId: null });

  // A run that has ended cannot be cancelled: exit 1, and the message says how it ended.
  const again = qupersync('cancel', runId, '--json');
  expect(again.status).toBe(1);
  expect(again.stderr).toMatch(/409/);
  expect(again.stderr).toMatch(/has already ended: cancelled/);

  // The job runs again and, with no watermark, reads every row: the target equals the source.
  const next = await pipeline.triggerAndWait(job);
  expect(next).toMatchObject({ status: 'succeeded', rowsExtracted: rows });
  expect(await tableFingerprint(process.env.DATABASE_URL ?? '', table)).toEqual(
    await tableFingerprint(process.env.WAREHOUSE_DATABASE_URL ?? '', table),
  );
});
