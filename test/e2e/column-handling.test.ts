// Every Redshift type has a way through. GEOMETRY, GEOGRAPHY, HLLSKETCH and INTERVAL have no exact
// mapping: a job says per column `source.columns: { <name>: { as: text } }` (spatial types are read
// as EWKT with ST_AsEWKT, others cast to VARCHAR) or `{ as: exclude }`. A job that says nothing
// fails at start with a message naming the column, its type and that way out. The local endpoint
// has no spatial types, so the warehouse gets a stand-in `geometry` type and an ST_AsEWKT.
import { Client } from 'pg';
import { executeSql } from '@qupersync/testing';
import { PipelineHarness, uniqueSuffix } from './pipeline.harness';

jest.setTimeout(120_000);

const suffix = uniqueSuffix();
const table = `e2e_types_${suffix}`;
const handledJob = `e2e-types-${suffix}`;
const unhandledJob = `e2e-types-bare-${suffix}`;
const warehouseUrl = (): string => process.env.WAREHOUSE_DATABASE_URL ?? '';
const databaseUrl = (): string => process.env.DATABASE_URL ?? '';

let pipeline: PipelineHarness;

beforeAll(async () => {
  await executeSql(
    warehouseUrl(),
    `DO $$ BEGIN CREATE TYPE public.geometry AS (wkt text); EXCEPTION WHEN duplicate_object THEN NULL; END $$`,
  );
  await executeSql(
    warehouseUrl(),
    `CREATE OR REPLACE FUNCTION public.st_asewkt(public.geometry) RETURNS text LANGUAGE sql IMMUTABLE
       AS $$ SELECT 'SRID=4326;' || ($1).wkt $$`,
  );
  await executeSql(
    warehouseUrl(),
    `CREATE TABLE public.${table} (id bigint NOT NULL, span interval, shape public.geometry, secret text)`,
  );
  await executeSql(
    warehouseUrl(),
    `INSERT INTO public.${table} VALUES
       (1, interval '1 day 2 hours 3 minutes 4 seconds', ROW('POINT(1 2)')::public.geometry, 'hidden'),
       (2, NULL, NULL, 'hidden too')`,
  );
  await executeSql(databaseUrl(), `DROP TABLE IF EXISTS public.${table}`);
  pipeline = await PipelineHarness.start([
    {
      name: handledJob,
      table,
      mode: 'full',
      watermark: null,
      sourceTable: `public.${table}, columns: { span: { as: text }, Shape: { as: text }, secret: { as: exclude } }`,
    },
    { name: unhandledJob, table, mode: 'full', watermark: null },
  ]);
});

afterAll(async () => {
  await pipeline?.stop();
});

it('fails a job that says nothing about a type without a mapping, naming the column and the way out', async () => {
  const run = await pipeline.triggerAndWait(unhandledJob);
  expect(run.status).toBe('failed');
  expect(run.error).toMatch(
    /column span has type interval, which has no exact mapping; say how to read it: source\.columns: \{ span: \{ as: text \} \} \(or \{ as: exclude \}\)/,
  );
});

it('reads such columns as text, leaves excluded ones out, and keeps NULL as NULL', async () => {
  const run = await pipeline.triggerAndWait(handledJob);
  expect(run).toMatchObject({ status: 'succeeded', rowsExtracted: 2, rowsLoaded: 2 });
  const client = new Client({ connectionString: databaseUrl() });
  await client.connect();
  try {
    const columns = await client.query<{ column_name: string; data_type: string }>(
      `SELECT column_name, data_type FROM information_schema.columns
        WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position`,
      [table],
    );
    expect(columns.rows.map((column) => column.column_name)).toEqual(['id', 'span', 'shape']);
    const rows = await client.query<{ id: string; span: string | null; shape: string | null }>(
      `SELECT id, span, shape FROM public.${table} ORDER BY id`,
    );
    expect(rows.rows).toEqual([
      { id: '1', span: '1 day 02:03:04', shape: 'SRID=4326;POINT(1 2)' },
      { id: '2', span: null, shape: null },
    ]);
  } finally {
    await client.end();
  }
});
