// `qupersync replay` (issue 14): a job's dead letters are replayed by re-extracting their keys,
// and only their keys, through the normal pipeline. While the source still breaks the rule the
// rows come back as new letters of the replay run and the old ones are marked replayed; once the
// source is fixed, a replay of those loads exactly the missing rows, the target equals the
// source, the watermark never moves, and nothing is left to replay.
import { createKeyedTable, executeSql, tableFingerprint } from '@qupersync/testing';
import { z } from 'zod';
import { PipelineHarness, uniqueSuffix } from './pipeline.harness';

jest.setTimeout(240_000);

const suffix = uniqueSuffix();
const table = `e2e_replay_${suffix}`;
const job = `e2e-replay-${suffix}`;
const rows = 2_000;
/** Rows whose note is NULL, which the entity refuses (required: [note]): every 40th id. */
const invalidRows = rows / 40;
const warehouseUrl = (): string => process.env.WAREHOUSE_DATABASE_URL ?? '';
const databaseUrl = (): string => process.env.DATABASE_URL ?? '';
let pipeline: PipelineHarness;

const runSchema = z.object({
  runId: z.string(),
  mode: z.string(),
  status: z.string(),
  rowsExtracted: z.number(),
  rowsLoaded: z.number(),
  rowsInvalid: z.number(),
  keys: z.number().nullable(),
  scanPlan: z.string().nullable(),
});
const replaySchema = z.object({
  job: z.string(),
  run: runSchema.nullable(),
  keys: z.number(),
  letters: z.number(),
  notReplayable: z.number(),
  remaining: z.number(),
});
const lettersSchema = z.array(
  z.object({
    runId: z.string().nullable(),
    rowKey: z.string().nullable(),
    replayedAt: z.string().nullable(),
    replayRunId: z.string().nullable(),
  }),
);
const jobsSchema = z.array(z.object({ name: z.string(), watermark: z.string().nullable() }));

beforeAll(async () => {
  await createKeyedTable(warehouseUrl(), table, rows);
  await executeSql(
    warehouseUrl(),
    `ALTER TABLE public.${table} ADD COLUMN note varchar(20);
     UPDATE public.${table} SET note = CASE WHEN id % 40 = 0 THEN NULL ELSE 'row ' || id END`,
  );
  pipeline = await PipelineHarness.start([
    { name: job, table, batchSize: 250, extra: ['entity: { required: [note] }'] },
  ]);
});

afterAll(async () => {
  await pipeline?.stop();
});

function cliJson<T>(schema: z.ZodType<T, z.ZodTypeDef, unknown>, ...args: string[]): T {
  const result = pipeline.cli(...args, '--json');
  if (result.status !== 0)
    throw new Error(`qupersync ${args.join(' ')} exited ${String(result.status)}: ${result.stderr}`);
  return schema.parse(JSON.parse(result.stdout));
}

/** The letters of a run, once the coordinator has copied all `expected` of them from the topic. */
async function lettersOf(runId: string, expected: number): Promise<z.infer<typeof lettersSchema>> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const letters = cliJson(lettersSchema, 'dead-letters', '--job', job, '--run', runId, '--limit', '1000');
    if (letters.length >= expected) return letters;
    if (Date.now() > deadline)
      throw new Error(`only ${letters.length} of ${expected} letters of run ${runId}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

function watermark(): string | null {
  return cliJson(jobsSchema, 'jobs').find((entry) => entry.name === job)?.watermark ?? null;
}

it('replays dead letters by key: refused again while the rule still fails, exact once the source is fixed', async () => {
  const first = await pipeline.triggerAndWait(job);
  expect(first).toMatchObject({
    status: 'succeeded',
    rowsLoaded: rows - invalidRows,
    rowsInvalid: invalidRows,
  });
  const firstLetters = await lettersOf(first.runId, invalidRows);
  expect(firstLetters.every((letter) => letter.replayedAt === null)).toBe(true);
  const watermarkBefore = watermark();
  expect(watermarkBefore).not.toBeNull();

  // The source still has the NULLs: the keyed run reads exactly those rows, and refuses them again.
  const again = cliJson(replaySchema, 'replay', job, '--run', first.runId, '--wait');
  expect(again).toMatchObject({
    job,
    keys: invalidRows,
    letters: invalidRows,
    notReplayable: 0,
    remaining: 0,
  });
  expect(again.run).toMatchObject({
    mode: 'full',
    status: 'succeeded',
    keys: invalidRows,
    rowsExtracted: invalidRows,
    rowsLoaded: 0,
    rowsInvalid: invalidRows,
  });
  expect(again.run?.scanPlan).toBe(`keys: ${invalidRows} keys in 1 statement`);
  const replayRunId = again.run?.runId ?? '';
  const replayed = await lettersOf(first.runId, invalidRows);
  expect(replayed.every((letter) => letter.replayedAt !== null && letter.replayRunId === replayRunId)).toBe(
    true,
  );
  const refusedAgain = await lettersOf(replayRunId, invalidRows);
  expect(new Set(refusedAgain.map((letter) => letter.rowKey))).toEqual(
    new Set(firstLetters.map((letter) => letter.rowKey)),
  );

  // Fixed at the source without touching updated_at: no incremental run would ever see them.
  await executeSql(warehouseUrl(), `UPDATE public.${table} SET note = 'fixed ' || id WHERE note IS NULL`);
  const fixed = cliJson(replaySchema, 'replay', job, '--wait');
  expect(fixed).toMatchObject({ keys: invalidRows, letters: invalidRows, remaining: 0 });
  expect(fixed.run).toMatchObject({
    status: 'succeeded',
    rowsExtracted: invalidRows,
    rowsLoaded: invalidRows,
    rowsInvalid: 0,
  });
  const source = await tableFingerprint(warehouseUrl(), table, ['id', 'updated_at', 'note']);
  const target = await tableFingerprint(databaseUrl(), table, ['id', 'updated_at', 'note']);
  expect(target).toEqual(source);
  expect(target.rows).toBe(rows);
  expect(watermark()).toBe(watermarkBefore);
  expect((await lettersOf(replayRunId, invalidRows)).every((letter) => letter.replayedAt !== null)).toBe(
    true,
  );

  const nothing = pipeline.cli('replay', job);
  expect(nothing).toMatchObject({ status: 0, stdout: `nothing to replay for ${job}\n` });
});
