// The local endpoint is as strict as Redshift about parameters: they are VARCHAR values (so an
// uncast comparison with a number fails there instead of comparing as text), and an empty string
// is refused. The extractor casts every bound value to its column's type and writes an empty
// key as a typed literal: a text key whose page boundary falls on '' is paged exactly.
import { executeSql, tableFingerprint } from '@qupersync/testing';
import { PipelineHarness, uniqueSuffix } from './pipeline.harness';

jest.setTimeout(120_000);

const suffix = uniqueSuffix();
const table = `e2e_textkey_${suffix}`;
const job = `e2e-textkey-${suffix}`;
let pipeline: PipelineHarness;

beforeAll(async () => {
  // 25 rows; in (updated_at, id) order the 20th, the last of the first statement (20 rows for a
  // batch_size of 1), has the key '', so the next statement starts after the cursor [t20, ''].
  await executeSql(
    process.env.WAREHOUSE_DATABASE_URL ?? '',
    `CREATE TABLE public.${table} (id varchar(10) NOT NULL, updated_at timestamp NOT NULL, amount numeric(12, 2));
     INSERT INTO public.${table}
       SELECT CASE WHEN g = 20 THEN '' WHEN g < 20 THEN 'k' || lpad(g::text, 2, '0') ELSE 'k' || lpad((g - 1)::text, 2, '0') END,
              TIMESTAMP '2024-01-01' + g * INTERVAL '1 second', g * 100.25
       FROM generate_series(1, 25) g`,
  );
  await executeSql(process.env.DATABASE_URL ?? '', `DROP TABLE IF EXISTS public.${table}`);
  pipeline = await PipelineHarness.start([{ name: job, table, batchSize: 1 }]);
});

afterAll(async () => {
  await pipeline?.stop();
});

it('pages past an empty text key with typed parameters and loads every row exactly', async () => {
  const run = await pipeline.triggerAndWait(job, { mode: 'incremental' });
  expect(run).toMatchObject({ status: 'succeeded', rowsExtracted: 25, rowsLoaded: 25 });
  expect(await tableFingerprint(process.env.DATABASE_URL ?? '', table)).toEqual(
    await tableFingerprint(process.env.WAREHOUSE_DATABASE_URL ?? '', table),
  );
  const idle = await pipeline.triggerAndWait(job, { mode: 'incremental' });
  expect(idle).toMatchObject({ status: 'succeeded', rowsExtracted: 0 });
});
