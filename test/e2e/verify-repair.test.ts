// `qupersync verify` and `verify --repair` (issue 15) on the real local stack: checksums over
// every compared type come out equal on both sides after a sync (one statement per side), rows
// changed, deleted and added behind QuperSync's back are counted exactly, and a repair re-syncs
// exactly the differing keys through a keyed run, deletes extra keys only under deletes: hard,
// and leaves the target equal to the source by md5 over every row.
import { createAllTypesTable, createKeyedTable, executeSql, tableFingerprint } from '@qupersync/testing';
import { z } from 'zod';
import { PipelineHarness, uniqueSuffix } from './pipeline.harness';

jest.setTimeout(300_000);

const suffix = uniqueSuffix();
const tables = {
  types: `e2e_verify_types_${suffix}`,
  keyed: `e2e_verify_keyed_${suffix}`,
  pair: `e2e_verify_pair_${suffix}`,
};
const jobs = {
  types: `e2e-verify-types-${suffix}`,
  keyed: `e2e-verify-keyed-${suffix}`,
  pair: `e2e-verify-pair-${suffix}`,
};
const firstId = 9007199254740000n;
const warehouseUrl = (): string => process.env.WAREHOUSE_DATABASE_URL ?? '';
const databaseUrl = (): string => process.env.DATABASE_URL ?? '';
let pipeline: PipelineHarness;

const reportSchema = z.object({
  job: z.string(),
  equal: z.boolean(),
  rowsSource: z.number(),
  rowsTarget: z.number(),
  missing: z.number(),
  extra: z.number(),
  different: z.number(),
  rangesCompared: z.number(),
  rowsCompared: z.number(),
  statements: z.number(),
  seconds: z.number(),
  sample: z.array(z.array(z.string())),
  columnsCompared: z.array(z.string()),
  columnsSkipped: z.array(z.string()),
});
const verificationSchema = reportSchema.extend({
  repair: z
    .object({
      before: reportSchema,
      runs: z.array(
        z.object({ runId: z.string(), status: z.string(), keys: z.number(), rowsLoaded: z.number() }),
      ),
      keysResynced: z.number(),
      extraDeleted: z.number(),
      extraKept: z.number(),
      keysLeft: z.number(),
    })
    .nullable(),
});

function verify(
  job: string,
  ...flags: string[]
): { status: number | null; report: z.infer<typeof verificationSchema> } {
  const result = pipeline.cli('verify', job, '--json', ...flags);
  if (result.status !== 0 && result.status !== 1)
    throw new Error(`verify exited ${String(result.status)}: ${result.stderr}`);
  return { status: result.status, report: verificationSchema.parse(JSON.parse(result.stdout)) };
}

beforeAll(async () => {
  await createAllTypesTable(warehouseUrl(), tables.types, 3_000);
  await createKeyedTable(warehouseUrl(), tables.keyed, 20_000);
  await executeSql(
    warehouseUrl(),
    `ALTER TABLE public.${tables.keyed} ADD COLUMN note varchar(40);
     UPDATE public.${tables.keyed} SET note = 'row ' || id`,
  );
  // A two-column key whose first part holds a comma, quotes and an apostrophe.
  await executeSql(
    warehouseUrl(),
    `CREATE TABLE public.${tables.pair} (region varchar(20) NOT NULL, line integer NOT NULL, note varchar(40));
     INSERT INTO public.${tables.pair}
       SELECT (ARRAY['eu,"west"', 'us', 'o''hare'])[1 + g % 3], g / 3, 'row ' || g FROM generate_series(0, 2999) g`,
  );
  pipeline = await PipelineHarness.start([
    { name: jobs.types, table: tables.types, mode: 'full', batchSize: 500, extra: ['deletes: hard'] },
    { name: jobs.keyed, table: tables.keyed, batchSize: 2_000 },
    {
      name: jobs.pair,
      table: tables.pair,
      mode: 'full',
      watermark: null,
      primaryKey: '[region, line]',
      batchSize: 500,
      extra: ['deletes: hard'],
    },
  ]);
  for (const job of Object.values(jobs))
    expect((await pipeline.triggerAndWait(job)).status).toBe('succeeded');
});

afterAll(async () => {
  await pipeline?.stop();
});

it('finds every type equal after a sync, then exactly the rows changed, deleted and added, and repairs them', async () => {
  const equal = verify(jobs.types);
  expect(equal.status).toBe(0);
  expect(equal.report).toMatchObject({
    equal: true,
    rowsSource: 3_000,
    rowsTarget: 3_000,
    missing: 0,
    extra: 0,
    different: 0,
  });
  // One statement per side (and the source's description): the table's size does not add any.
  expect(equal.report.statements).toBe(3);
  expect(equal.report.rangesCompared).toBeLessThanOrEqual(4096);
  expect(equal.report.columnsCompared).toEqual(
    expect.arrayContaining([
      'id',
      'amount',
      'price',
      'ratio',
      'measure',
      'active',
      'status',
      'note',
      'birthday',
      'updated_at',
      'seen_at',
      'clock',
    ]),
  );
  expect(equal.report.columnsSkipped).toEqual([
    'document (super: no canonical text on both sides)',
    'payload (varbyte: no canonical text on both sides)',
  ]);

  // Behind QuperSync's back: one changed value of five types, 30 rows gone, 7 rows that never were.
  const id = (g: number): string => String(firstId + BigInt(g));
  await executeSql(
    databaseUrl(),
    `UPDATE public.${tables.types} SET amount = amount + 0.0000000001 WHERE id = ${id(1)};
     UPDATE public.${tables.types} SET seen_at = seen_at + interval '1 microsecond' WHERE id = ${id(2)};
     UPDATE public.${tables.types} SET active = NOT active WHERE id = ${id(3)};
     UPDATE public.${tables.types} SET note = NULL WHERE id = ${id(4)};
     UPDATE public.${tables.types} SET ratio = ratio + 1 WHERE id = ${id(6)};
     DELETE FROM public.${tables.types} WHERE id BETWEEN ${id(101)} AND ${id(130)};
     INSERT INTO public.${tables.types} (id, updated_at) SELECT ${firstId} + 100000 + g, now() FROM generate_series(1, 7) g`,
  );
  const differs = verify(jobs.types);
  expect(differs.status).toBe(1);
  expect(differs.report).toMatchObject({
    equal: false,
    rowsSource: 3_000,
    rowsTarget: 2_977,
    missing: 30,
    extra: 7,
    different: 5,
  });
  expect(differs.report.sample).toEqual(
    expect.arrayContaining([[id(1)], [id(2)], [id(3)], [id(4)], [id(6)]]),
  );

  const repaired = verify(jobs.types, '--repair');
  expect(repaired.status).toBe(0);
  expect(repaired.report).toMatchObject({
    equal: true,
    missing: 0,
    extra: 0,
    different: 0,
    rowsTarget: 3_000,
  });
  expect(repaired.report.repair).toMatchObject({
    keysResynced: 35,
    extraDeleted: 7,
    extraKept: 0,
    keysLeft: 0,
  });
  expect(repaired.report.repair?.runs).toEqual([
    expect.objectContaining({ status: 'succeeded', keys: 35, rowsLoaded: 35 }),
  ]);
  expect(await tableFingerprint(databaseUrl(), tables.types)).toEqual(
    await tableFingerprint(warehouseUrl(), tables.types),
  );
  expect(verify(jobs.types).status).toBe(0);
});

it('counts 1 % deleted, 0.1 % changed and 500 extra rows exactly, and keeps extras without deletes: hard', async () => {
  await executeSql(
    databaseUrl(),
    `DELETE FROM public.${tables.keyed} WHERE id % 100 = 7;
     UPDATE public.${tables.keyed} SET note = 'changed' WHERE id % 1000 = 3;
     INSERT INTO public.${tables.keyed} (id, updated_at, note) SELECT 1000000 + g, now(), 'extra' FROM generate_series(1, 500) g`,
  );
  const differs = verify(jobs.keyed);
  expect(differs.status).toBe(1);
  expect(differs.report).toMatchObject({
    rowsSource: 20_000,
    rowsTarget: 20_300,
    missing: 200,
    different: 20,
    extra: 500,
  });

  const repaired = verify(jobs.keyed, '--repair');
  expect(repaired.status).toBe(1);
  expect(repaired.report).toMatchObject({ missing: 0, different: 0, extra: 500, rowsTarget: 20_500 });
  expect(repaired.report.repair).toMatchObject({
    keysResynced: 220,
    extraDeleted: 0,
    extraKept: 500,
    keysLeft: 0,
  });
  const columns = ['id', 'updated_at', 'note'];
  await executeSql(databaseUrl(), `DELETE FROM public.${tables.keyed} WHERE id > 1000000`);
  expect(await tableFingerprint(databaseUrl(), tables.keyed, columns)).toEqual(
    await tableFingerprint(warehouseUrl(), tables.keyed, columns),
  );
  expect(verify(jobs.keyed).status).toBe(0);
});

it('names and repairs the differing rows of a two-column key whose texts hold commas and quotes', async () => {
  await executeSql(
    databaseUrl(),
    `DELETE FROM public.${tables.pair} WHERE region = 'us' AND line < 10;
     UPDATE public.${tables.pair} SET note = 'changed' WHERE region = 'eu,"west"' AND line IN (5, 6);
     INSERT INTO public.${tables.pair} SELECT 'o''hare', 5000 + g, 'extra' FROM generate_series(1, 4) g`,
  );
  const differs = verify(jobs.pair);
  expect(differs.status).toBe(1);
  expect(differs.report).toMatchObject({
    rowsSource: 3_000,
    rowsTarget: 2_994,
    missing: 10,
    different: 2,
    extra: 4,
  });
  expect(differs.report.sample).toEqual(
    expect.arrayContaining([
      ['us', '0'],
      ['eu,"west"', '5'],
      ['eu,"west"', '6'],
      ["o'hare", '5001'],
    ]),
  );

  const repaired = verify(jobs.pair, '--repair');
  expect(repaired.status).toBe(0);
  expect(repaired.report).toMatchObject({ equal: true, rowsTarget: 3_000 });
  expect(repaired.report.repair).toMatchObject({ keysResynced: 12, extraDeleted: 4, keysLeft: 0 });
  const columns = ['region', 'line', 'note'];
  const key = ['region', 'line'];
  expect(await tableFingerprint(databaseUrl(), tables.pair, columns, key)).toEqual(
    await tableFingerprint(warehouseUrl(), tables.pair, columns, key),
  );
});
