// A VARCHAR key in a case-insensitive column (Redshift's COLLATE case_insensitive) holds keys that
// compare equal, `k7` and `K7`: a keyset page that ends on one of them and a next page asking for
// keys greater than it would skip the other. The extractor sees the collation in the column
// metadata (isCaseSensitive false) and pages such a key through COLLATE(key, 'case_sensitive').
// The local warehouse plays the collation with a non-deterministic ICU collation; small statements
// put page boundaries between equal keys, so this test loses rows if paging follows the collation.
import { executeSql, tableFingerprint } from '@qupersync/testing';
import { PipelineHarness, uniqueSuffix } from './pipeline.harness';

jest.setTimeout(120_000);

const suffix = uniqueSuffix();
const table = `e2e_ci_keys_${suffix}`;
const job = `e2e-ci-keys-${suffix}`;
const warehouseUrl = (): string => process.env.WAREHOUSE_DATABASE_URL ?? '';
const databaseUrl = (): string => process.env.DATABASE_URL ?? '';

let pipeline: PipelineHarness;

beforeAll(async () => {
  await executeSql(
    warehouseUrl(),
    `CREATE COLLATION IF NOT EXISTS public.e2e_case_insensitive
       (provider = icu, locale = 'und-u-ks-level2', deterministic = false)`,
  );
  // `id` only orders the fingerprint; the job's key is `code`, which holds k1, K1, k2, K2, ...
  await executeSql(
    warehouseUrl(),
    `CREATE TABLE public.${table} (id int, code varchar(12) COLLATE public.e2e_case_insensitive, note varchar(20))`,
  );
  await executeSql(
    warehouseUrl(),
    `INSERT INTO public.${table}
       SELECT 2 * g + c, CASE c WHEN 0 THEN 'k' ELSE 'K' END || g, 'note ' || g
       FROM generate_series(1, 3000) g, generate_series(0, 1) c`,
  );
  await executeSql(databaseUrl(), `DROP TABLE IF EXISTS public.${table}`);
  pipeline = await PipelineHarness.start(
    [{ name: job, table, mode: 'full', watermark: null, primaryKey: '[code]', batchSize: 100 }],
    // The smallest result limit: statements of some hundred rows, so page boundaries fall
    // between keys that compare equal.
    { serviceEnvironment: { extractor: { REDSHIFT_MAX_RESULT_BYTES: String(64 * 1024) } } },
  );
});

afterAll(async () => {
  await pipeline?.stop();
});

it('syncs every key of a case-insensitive key column, keys that differ only in case included', async () => {
  const run = await pipeline.triggerAndWait(job);
  expect(run).toMatchObject({ status: 'succeeded', rowsExtracted: 6_000, rowsLoaded: 6_000 });
  expect(await tableFingerprint(databaseUrl(), table)).toEqual(await tableFingerprint(warehouseUrl(), table));
});
