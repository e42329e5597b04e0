// Builds source tables in the warehouse database for end-to-end tests: every type the pipeline
// must carry exactly, including the awkward values (BIGINT above 2^53, 38-digit decimals,
// microseconds, NULL in every column, empty strings, 4-byte Unicode).
import { Client } from 'pg';

export interface WarehouseTable {
  readonly name: string;
  readonly rows: number;
}

export async function createAllTypesTable(
  warehouseUrl: string,
  name: string,
  rows: number,
): Promise<WarehouseTable> {
  const client = new Client({ connectionString: warehouseUrl });
  await client.connect();
  try {
    await client.query(`DROP TABLE IF EXISTS public.${name}`);
    await client.query(`
      CREATE TABLE public.${name} (
        id bigint NOT NULL,
        customer_id integer,
        small_value smallint,
        amount numeric(38, 10),
        price numeric(18, 4),
        ratio real,
        measure double precision,
        active boolean,
        status varchar(20),
        note text,
        birthday date,
        updated_at timestamp NOT NULL,
        seen_at timestamptz,
        clock time,
        document jsonb,
        payload bytea
      )`);
    await client.query(
      `INSERT INTO public.${name}
       SELECT 9007199254740000 + g,
              CASE WHEN g % 11 = 0 THEN NULL ELSE g % 1000 END,
              (g % 32767)::smallint,
              CASE WHEN g % 13 = 0 THEN NULL ELSE (g::numeric * 1234567.0123456789 + 1234567890123456789012345.0123456789 * (CASE WHEN g % 2 = 0 THEN -1 ELSE 1 END)) END,
              (g % 100000)::numeric / 7,
              (g % 97)::real / 3,
              CASE WHEN g % 17 = 0 THEN NULL ELSE g::double precision / 3 END,
              CASE WHEN g % 5 = 0 THEN NULL ELSE g % 2 = 0 END,
              CASE WHEN g % 7 = 0 THEN NULL WHEN g % 7 = 1 THEN '' ELSE 'status-' || (g % 5) END,
              CASE WHEN g % 9 = 0 THEN NULL ELSE 'naïve 🚀 ' || g || E'\\ttab\\nline' END,
              DATE '1960-02-29' + (g % 40000),
              TIMESTAMP '2024-01-01 00:00:00' + (g / 10) * INTERVAL '1 second' + (g % 1000) * INTERVAL '1 microsecond',
              TIMESTAMPTZ '1999-12-31 23:59:59.999999+00' + g * INTERVAL '1 minute',
              TIME '00:00:00' + (g % 86400) * INTERVAL '1 second' + INTERVAL '0.000001 second',
              CASE WHEN g % 4 = 0 THEN NULL ELSE jsonb_build_object('g', g, 'tags', jsonb_build_array('a', g % 3)) END,
              CASE WHEN g % 6 = 0 THEN NULL ELSE decode(lpad(to_hex(g), 8, '0'), 'hex') END
       FROM generate_series(1, $1) AS g`,
      [rows],
    );
  } finally {
    await client.end();
  }
  return { name, rows };
}

/**
 * Row count and an md5 over every column of every row, in key order. With `columns`, only those
 * columns in that order (for tables whose column order differs between the two databases);
 * `keyColumns` for a table whose key is not `id`.
 */
export async function tableFingerprint(
  databaseUrl: string,
  table: string,
  columns?: readonly string[],
  keyColumns: readonly string[] = ['id'],
): Promise<{ rows: number; digest: string | null }> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const list = (names: readonly string[]): string => names.map((name) => `t."${name}"`).join(', ');
    const row = columns === undefined ? 't' : `ROW(${list(columns)})`;
    const result = await client.query<{ rows: string; digest: string | null }>(
      `SELECT count(*) AS rows, md5(string_agg(${row}::text, E'\\n' ORDER BY ${list(keyColumns)})) AS digest FROM public.${table} t`,
    );
    const first = result.rows[0];
    return { rows: Number(first?.rows ?? 0), digest: first?.digest ?? null };
  } finally {
    await client.end();
  }
}

/** The columns of tables made by createAllTypesTable, in their order there. */
export const allTypesColumns: readonly string[] = [
  'id',
  'customer_id',
  'small_value',
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
  'document',
  'payload',
];

/**
 * The smallest incremental source: `id bigint`, `updated_at timestamp` (one second apart from
 * 2024-01-01), ids 1..rows, no index (Redshift has none).
 */
export async function createKeyedTable(databaseUrl: string, table: string, rows: number): Promise<void> {
  await executeSql(
    databaseUrl,
    `CREATE TABLE public.${table} (id bigint NOT NULL, updated_at timestamp NOT NULL)`,
  );
  await executeSql(
    databaseUrl,
    `INSERT INTO public.${table}
       SELECT g, timestamp '2024-01-01' + g * interval '1 second' FROM generate_series(1, $1::integer) g`,
    [rows],
  );
}

export async function executeSql(databaseUrl: string, sql: string, values: unknown[] = []): Promise<void> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(sql, values);
  } finally {
    await client.end();
  }
}
