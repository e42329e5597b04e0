// `qupersync status` (issue 14, run control): each service up or not (members of its consumer
// group), its consumer lag, and each job's last run; exit 1 while a service is down.
import { createKeyedTable, executeSql } from '@qupersync/testing';
import { z } from 'zod';
import { PipelineHarness, uniqueSuffix } from './pipeline.harness';

jest.setTimeout(180_000);

const suffix = uniqueSuffix();
const table = `e2e_status_${suffix}`;
const job = `e2e-status-${suffix}`;
let pipeline: PipelineHarness;

const statusSchema = z.object({
  healthy: z.boolean(),
  services: z.array(
    z.object({
      service: z.string(),
      up: z.boolean(),
      members: z.number(),
      lag: z.number(),
      topics: z.array(z.object({ topic: z.string(), lag: z.number() })),
    }),
  ),
  jobs: z.array(
    z.object({
      job: z.string(),
      activeRunId: z.string().nullable(),
      lastRun: z.object({ runId: z.string(), status: z.string(), rowsLoaded: z.number() }).nullable(),
    }),
  ),
});

function status(): { exitCode: number | null; report: z.infer<typeof statusSchema>; stderr: string } {
  const result = pipeline.cli('status', '--json');
  return {
    exitCode: result.status,
    report: statusSchema.parse(JSON.parse(result.stdout)),
    stderr: result.stderr,
  };
}

function service(
  report: z.infer<typeof statusSchema>,
  name: string,
): z.infer<typeof statusSchema>['services'][number] {
  const found = report.services.find((candidate) => candidate.service === name);
  if (found === undefined) throw new Error(`status has no ${name}`);
  return found;
}

async function waitForStatus(
  what: string,
  reached: (report: z.infer<typeof statusSchema>) => boolean,
): Promise<void> {
  const deadline = Date.now() + 45_000;
  for (;;) {
    const { report } = status();
    if (reached(report)) return;
    if (Date.now() > deadline) throw new Error(`status never showed ${what}: ${JSON.stringify(report)}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

beforeAll(async () => {
  await createKeyedTable(process.env.WAREHOUSE_DATABASE_URL ?? '', table, 3000);
  pipeline = await PipelineHarness.start([{ name: job, table, batchSize: 500 }]);
});

afterAll(async () => {
  await pipeline?.stop();
});

it('shows every service up with no lag after a run, then a stopped transformer as down with lag', async () => {
  const before = status();
  expect(before.report.jobs).toEqual([{ job, activeRunId: null, lastRun: null }]);

  const run = await pipeline.triggerAndWait(job);
  expect(run.status).toBe('succeeded');
  // The broker is shared with the suites before this one: wait until their leftovers, if any,
  // are consumed too, so what follows counts this test's batches alone.
  await waitForStatus('no lag', (report) => report.services.every((entry) => entry.lag === 0));
  const healthy = status();
  expect(healthy.exitCode).toBe(0);
  expect(healthy.report.healthy).toBe(true);
  expect(healthy.report.services.map((entry) => [entry.service, entry.up])).toEqual([
    ['coordinator', true],
    ['extractor', true],
    ['transformer', true],
    ['loader', true],
  ]);
  // Every batch the loader read is committed once loaded: nothing is waiting for it.
  expect(service(healthy.report, 'loader').topics).toContainEqual({
    topic: 'qupersync.batch.transformed.v1',
    lag: 0,
  });
  expect(healthy.report.jobs).toEqual([
    {
      job,
      activeRunId: null,
      lastRun: expect.objectContaining({ runId: run.runId, status: 'succeeded', rowsLoaded: 3000 }),
    },
  ]);

  // Without a transformer the extracted batches of the next run wait on their topic. (A member
  // that died without leaving would hold the group until its session times out: wait for that.)
  await pipeline.terminate('transformer');
  await waitForStatus('the transformer gone', (report) => !service(report, 'transformer').up);
  await executeSql(
    process.env.WAREHOUSE_DATABASE_URL ?? '',
    `UPDATE public.${table} SET updated_at = updated_at + interval '1 day' WHERE id <= 1000`,
  );
  const { runId } = await pipeline.trigger(job);
  await pipeline.waitForRunState(runId, 'extracted its batches', (summary) => summary.rowsExtracted >= 1000);
  const degraded = status();
  expect(degraded.exitCode).toBe(1);
  expect(degraded.report.healthy).toBe(false);
  const transformer = service(degraded.report, 'transformer');
  expect(transformer).toMatchObject({ up: false, members: 0 });
  expect(transformer.topics.find((entry) => entry.topic === 'qupersync.batch.extracted.v1')?.lag).toBe(2);
  expect(degraded.report.jobs[0]?.activeRunId).toBe(runId);

  // Back up, it drains the lag and the run ends.
  await pipeline.restart('transformer');
  expect((await pipeline.waitForRun(runId)).status).toBe('succeeded');
  const recovered = status();
  expect(recovered.exitCode).toBe(0);
  expect(service(recovered.report, 'transformer').lag).toBe(0);
});
