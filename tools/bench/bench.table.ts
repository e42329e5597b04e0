// The benchmark's table, in one place: the warehouse DDL and its generate_series rows, the batch
// schema the pipeline derives from it (so the loader-alone case upserts what a real run carries),
// the jobs file the bench stack runs, and the fingerprint both databases compute. Pure text.
import type { BatchColumn, BatchSchema } from '@qupersync/contracts';

export const benchJob = 'bench_rows';
/** The same table and target, extracted through UNLOAD (`--extract unload`), per file format. */
export const benchUnloadJobs = { csv: 'bench_rows_unload', parquet: 'bench_rows_unload_parquet' } as const;
export const benchTable = 'public.bench_rows';
/**
 * Rows per batch: about 2.6 MB of Avro, within the 4 MiB KAFKA_MAX_BATCH_BYTES default. Every
 * batch costs the broker, the coordinator and each service a fixed amount of work; at 5,000 rows
 * that fixed cost was a quarter of the pipeline's CPU (measured: docs/PERFORMANCE.md).
 */
export const benchBatchSize = 20_000;

export interface BenchColumn {
  readonly name: string;
  /** The declared type, as format_type() prints it. */
  readonly type: string;
  /** What the extractor reports for the column (Data API metadata of the local endpoint). */
  readonly batch: Omit<BatchColumn, 'name'>;
}

// precision/scale mirror apps/data-api's decodeTypeModifier: types without a modifier report the
// JDBC default precision, which the loader ignores for every kind but decimal and varchar.
export const benchColumns: readonly BenchColumn[] = [
  {
    name: 'id',
    type: 'bigint',
    batch: { kind: 'bigint', sqlType: 'int8', precision: 19, scale: 0, nullable: false },
  },
  {
    name: 'quantity',
    type: 'integer',
    batch: { kind: 'integer', sqlType: 'int4', precision: 10, scale: 0, nullable: true },
  },
  {
    name: 'price',
    type: 'numeric(18,4)',
    batch: { kind: 'decimal', sqlType: 'numeric', precision: 18, scale: 4, nullable: true },
  },
  {
    name: 'ratio',
    type: 'numeric(38,10)',
    batch: { kind: 'decimal', sqlType: 'numeric', precision: 38, scale: 10, nullable: true },
  },
  {
    name: 'score',
    type: 'double precision',
    batch: { kind: 'double', sqlType: 'float8', precision: 17, scale: 0, nullable: true },
  },
  {
    name: 'active',
    type: 'boolean',
    batch: { kind: 'boolean', sqlType: 'bool', precision: 1, scale: 0, nullable: true },
  },
  {
    name: 'code',
    type: 'character varying(40)',
    batch: { kind: 'text', sqlType: 'varchar', precision: 40, scale: 0, nullable: true },
  },
  {
    name: 'note',
    type: 'text',
    batch: { kind: 'text', sqlType: 'text', precision: null, scale: null, nullable: true },
  },
  {
    name: 'day',
    type: 'date',
    batch: { kind: 'date', sqlType: 'date', precision: 13, scale: 0, nullable: true },
  },
  {
    name: 'updated_at',
    type: 'timestamp without time zone',
    batch: { kind: 'timestamp', sqlType: 'timestamp', precision: 29, scale: 0, nullable: false },
  },
];

export const benchSchema: BatchSchema = {
  job: benchJob,
  columns: benchColumns.map((column) => ({ name: column.name, ...column.batch })),
  primaryKey: ['id'],
  watermark: 'updated_at',
};

/**
 * CREATE TABLE for every empty copy of the source (same types, same primary key), and, with
 * `primaryKey: false`, for the source in the warehouse: Redshift has no indexes, and a primary
 * key there is informational only, so the warehouse table gets none.
 */
export function createTableSql(table: string, options: { primaryKey?: boolean } = {}): string {
  const columns = benchColumns.map(
    (column) => `${column.name} ${column.type}${column.batch.nullable ? '' : ' NOT NULL'}`,
  );
  const key = (options.primaryKey ?? true) ? ', PRIMARY KEY (id)' : '';
  return `DROP TABLE IF EXISTS ${table}; CREATE TABLE ${table} (${columns.join(', ')}${key})`;
}

/**
 * The source's sort key on (updated_at, id), as Redshift keeps one: zone maps (min and max per
 * block), which PostgreSQL has as a BRIN index. No B-tree: a keyset statement pays what it pays
 * on Redshift, reading every block the zone maps cannot skip and sorting what it read.
 */
export function sortKeyIndexSql(table: string): string {
  return `CREATE INDEX ON ${table} USING brin (updated_at, id)`;
}

/**
 * Rows 1..rows, deterministic: full-precision decimals and doubles, NULLs in most columns,
 * text of realistic width, microsecond timestamps with ties (three rows share each value).
 */
export function insertRowsSql(rows: number): string {
  if (!Number.isSafeInteger(rows) || rows < 1)
    throw new RangeError(`row count must be a positive integer, got ${rows}`);
  return `
    INSERT INTO ${benchTable}
    SELECT
      g,
      ((g * 7919) % 100000)::integer,
      round(((g * 37) % 1000000) * 0.0123 + 0.0001, 4),
      CASE WHEN g % 13 = 0 THEN NULL ELSE round(g::numeric * 1234567.0123456789 / 7, 10) END,
      CASE WHEN g % 19 = 0 THEN NULL ELSE g::double precision / 7 END,
      CASE WHEN g % 17 = 0 THEN NULL ELSE g % 3 = 0 END,
      'SKU-' || lpad((g % 100000)::text, 8, '0') || '-' || (g % 7),
      CASE WHEN g % 10 = 0 THEN NULL ELSE 'bench row ' || g || ' ' || md5(g::text) END,
      date '2024-01-01' + (g % 730)::integer,
      timestamp '2024-01-01 00:00:00' + (g / 3) * interval '1 second'
        + ((g / 3) * 7 % 1000000) * interval '1 microsecond'
    FROM generate_series(1::bigint, ${rows}::bigint) AS g`;
}

/** Count and an md5 over every column of every row in key order (per-row md5s keep it small). */
export function fingerprintSql(table: string): string {
  // Casting to the declared types makes both sides print alike even if a typmod differs.
  const row = benchColumns.map((column) => `t.${column.name}::${column.type}`).join(', ');
  return `
    SELECT count(*)::text AS rows,
           coalesce(md5(string_agg(md5(ROW(${row})::text), '' ORDER BY t.id)), md5('')) AS digest
      FROM ${table} t`;
}

/** The jobs file the bench stack runs: the one job of the bench, in the documented YAML. */
export function renderBenchJobsFile(): string {
  const job = (name: string, extract: string, format?: string): string[] => [
    `  - name: ${name}`,
    '    source:',
    `      table: ${benchTable}`,
    `      extract: ${extract}`,
    ...(format === undefined ? [] : ['      unload:', `        format: ${format}`]),
    '    target:',
    `      table: ${benchTable}`,
    '    primary_key: [id]',
    '    mode: incremental',
    '    watermark: updated_at',
    '    lookback: 0s',
    `    batch_size: ${benchBatchSize}`,
    '    commit_per_batch: true',
    '    max_retries: 3',
    // The verify phase repairs rows added behind QuperSync's back by deleting them.
    '    deletes: hard',
  ];
  return [
    '# Written by `npm run bench` (tools/bench): the jobs of the bench stack.',
    'jobs:',
    ...job(benchJob, 'data_api'),
    ...job(benchUnloadJobs.csv, 'unload', 'csv'),
    ...job(benchUnloadJobs.parquet, 'unload', 'parquet'),
    '',
  ].join('\n');
}
