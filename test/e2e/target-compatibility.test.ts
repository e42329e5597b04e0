// An existing target is checked before any row of a run is written: a column that cannot hold the
// source's values exactly fails the run naming column, source type and target type (or is widened
// with schema_evolution: widen); a target without a primary key or unique index on exactly the
// job's key fails it; a target column the source lacks is a warning on the run (or, under
// schema_evolution: fail, a failure).
import { Client } from 'pg';
import { executeSql, tableFingerprint } from '@qupersync/testing';
import { PipelineHarness, uniqueSuffix } from './pipeline.harness';

jest.setTimeout(300_000);

const suffix = uniqueSuffix();
const names = ['narrow', 'widen', 'nokey', 'wrongkey', 'dropped', 'strict'] as const;
type Name = (typeof names)[number];
const table = (name: Name): string => `e2e_compat_${name}_${suffix}`;
const job = (name: Name): string => `e2e-compat-${name}-${suffix}`;
const rows = 300;
const columns = ['id', 'status', 'amount', 'seen_at', 'updated_at'];
const warehouseUrl = (): string => process.env.WAREHOUSE_DATABASE_URL ?? '';
const databaseUrl = (): string => process.env.DATABASE_URL ?? '';

/** Existing targets, each wrong in its own way (or, for widen, narrow in a way ALTER can fix). */
const targets: Readonly<Record<Name, string>> = {
  narrow:
    '(id bigint PRIMARY KEY, status varchar(5), amount numeric(20, 2), seen_at timestamp, updated_at timestamp NOT NULL)',
  widen:
    '(id bigint PRIMARY KEY, status varchar(5), amount numeric(20, 2), seen_at timestamptz(3), updated_at timestamp NOT NULL)',
  nokey:
    '(id bigint, status varchar(20), amount numeric(38, 10), seen_at timestamptz, updated_at timestamp NOT NULL)',
  wrongkey:
    '(id bigint, status varchar(20), amount numeric(38, 10), seen_at timestamptz, updated_at timestamp NOT NULL, UNIQUE (id, status))',
  dropped:
    '(id bigint PRIMARY KEY, status varchar(20), amount numeric(38, 10), seen_at timestamptz, updated_at timestamp NOT NULL, legacy text)',
  strict:
    '(id bigint PRIMARY KEY, status varchar(20), amount numeric(38, 10), seen_at timestamptz, updated_at timestamp NOT NULL, legacy text)',
};

let pipeline: PipelineHarness;

beforeAll(async () => {
  for (const name of names) {
    await executeSql(
      warehouseUrl(),
      `DROP TABLE IF EXISTS public.${table(name)};
       CREATE TABLE public.${table(name)} (id bigint NOT NULL, status varchar(20), amount numeric(38, 10),
         seen_at timestamptz, updated_at timestamp NOT NULL);
       INSERT INTO public.${table(name)}
         SELECT g, 'status-' || g, g * 1.0123456789, TIMESTAMPTZ '2024-01-01 00:00:00.123456+00' + g * INTERVAL '1 minute',
                TIMESTAMP '2024-01-01 00:00:00' + g * INTERVAL '1 second'
         FROM generate_series(1, ${rows}) g`,
    );
    await executeSql(
      databaseUrl(),
      `DROP TABLE IF EXISTS public.${table(name)}; CREATE TABLE public.${table(name)} ${targets[name]}`,
    );
  }
  pipeline = await PipelineHarness.start(
    names.map((name) => ({
      name: job(name),
      table: table(name),
      mode: 'full' as const,
      batchSize: 100,
      extra: [
        'max_retries: 0',
        ...(name === 'widen' ? ['schema_evolution: widen'] : []),
        ...(name === 'strict' ? ['schema_evolution: fail'] : []),
      ],
    })),
  );
});

afterAll(async () => {
  await pipeline?.stop();
});

async function targetRows(name: Name): Promise<number> {
  return (await tableFingerprint(databaseUrl(), table(name), columns)).rows;
}

async function columnTypes(name: Name): Promise<Record<string, string>> {
  const client = new Client({ connectionString: databaseUrl() });
  await client.connect();
  try {
    const result = await client.query<{ name: string; type: string }>(
      `SELECT attname AS name, format_type(atttypid, atttypmod) AS type FROM pg_attribute
       WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped`,
      [`public.${table(name)}`],
    );
    return Object.fromEntries(result.rows.map((row) => [row.name, row.type]));
  } finally {
    await client.end();
  }
}

it('fails the run before any row is written when a target column would lose values', async () => {
  const run = await pipeline.triggerAndWait(job('narrow'));
  expect(run.status).toBe('failed');
  expect(run.error).toMatch(
    /^target incompatible: target table "public"\."e2e_compat_narrow_\w+" cannot hold/,
  );
  expect(run.error).toContain(
    'column status: source varchar(20) (varchar) into target varchar(5) would lose values (schema_evolution: widen would ALTER it to varchar(20))',
  );
  expect(run.error).toContain(
    'column amount: source numeric(38, 10) (numeric) into target numeric(20, 2) would lose values (schema_evolution: widen would ALTER it to numeric(38, 10))',
  );
  expect(run.error).toContain(
    'column seen_at: source timestamptz(6) (timestamptz) into target timestamp cannot hold the values exactly, and no ALTER makes it',
  );
  expect(await targetRows('narrow')).toBe(0);
});

it('widens narrow target columns with schema_evolution: widen, then loads every value exactly', async () => {
  const run = await pipeline.triggerAndWait(job('widen'));
  expect(run).toMatchObject({ status: 'succeeded', rowsLoaded: rows });
  expect(await columnTypes('widen')).toMatchObject({
    status: 'character varying(20)',
    amount: 'numeric(38,10)',
    seen_at: 'timestamp(6) with time zone',
  });
  expect(await tableFingerprint(databaseUrl(), table('widen'), columns)).toEqual(
    await tableFingerprint(warehouseUrl(), table('widen'), columns),
  );
});

it('refuses a target without a primary key or unique index on exactly the primary key', async () => {
  for (const name of ['nokey', 'wrongkey'] as const) {
    const run = await pipeline.triggerAndWait(job(name));
    expect(run.status).toBe('failed');
    expect(run.error).toContain(
      `has no primary key or unique index on exactly (id), so rows cannot be upserted; add one, e.g. ALTER TABLE "public"."${table(name)}" ADD PRIMARY KEY ("id")`,
    );
    // Refused at start: not one row was read from the source.
    expect(run).toMatchObject({ rowsExtracted: 0, batches: null });
    expect(await targetRows(name)).toBe(0);
  }
});

it('warns on the run about a target column the source no longer has, or fails under schema_evolution: fail', async () => {
  const run = await pipeline.triggerAndWait(job('dropped'));
  expect(run).toMatchObject({ status: 'succeeded', rowsLoaded: rows });
  expect(run.warnings).toEqual([
    `target table "public"."${table('dropped')}" has column(s) legacy that the source no longer has (dropped there?); they keep their values`,
  ]);
  const strict = await pipeline.triggerAndWait(job('strict'));
  expect(strict.status).toBe('failed');
  expect(strict.error).toMatch(
    /has column\(s\) legacy that the source no longer has .*, and schema_evolution is fail/,
  );
});
