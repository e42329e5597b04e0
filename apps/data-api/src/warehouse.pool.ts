// The endpoint's one connection pool to the PostgreSQL database that plays the warehouse.
// Sessions are pinned to UTC and ISO output, and every value comes back as PostgreSQL's own
// text: parsing in JavaScript would round numerics and shift timestamps before encoding.
import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { Pool, type PoolClient } from 'pg';
import { JsonLogger } from '@qupersync/observability';
import { DATA_API_OPTIONS, type DataApiOptions } from './data-api.options';
import type { TableScan } from './statement.executor';
import { systemCatalogSchema, systemCatalogStatements } from './system-catalog.sql';

/** Hands out every column as its text output, untouched. */
export const textOnlyTypes = { getTypeParser: () => (value: string) => value };

// No parallel workers: Redshift's slices are its own parallelism, and a worker's scans would
// escape the scan counters stl_scan is built from. A cursor is planned for its whole result
// (cursor_tuple_fraction 1), since COMMIT materialises all of it: planned for its first rows, a
// selective statement would scan the whole table where BRIN (zone maps) skips it. The system
// catalog comes last on the path.
const sessionSettings =
  '-c TimeZone=UTC -c DateStyle=ISO,YMD -c IntervalStyle=postgres -c bytea_output=hex -c extra_float_digits=1 ' +
  `-c max_parallel_workers_per_gather=0 -c cursor_tuple_fraction=1 -c search_path=public,${systemCatalogSchema}`;

/** stl_scan rows are kept this long, as Redshift keeps its STL logs for about a week. */
const scanLogRetention = '7 days';

@Injectable()
export class WarehousePool implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new JsonLogger(WarehousePool.name);
  private readonly pool: Pool;

  constructor(@Inject(DATA_API_OPTIONS) options: DataApiOptions) {
    this.pool = new Pool({
      connectionString: options.warehouseDatabaseUrl,
      // Running statements plus retained cursors plus a little room for catalog and cancel calls.
      max: options.maxConcurrentStatements + options.maxRetainedResults + 2,
      options: sessionSettings,
      types: textOnlyTypes,
      application_name: 'qupersync-data-api',
    });
    // An idle connection dropped by the server must not take the process down.
    this.pool.on('error', (error) =>
      this.logger.warn('idle warehouse connection failed', { error: error.message }),
    );
  }

  /**
   * Redshift's GETDATE() (UTC, whole seconds), which PostgreSQL lacks: the extractor reads the
   * warehouse's own clock with it (a job's settle window); and STRTOL (verify's checksums).
   */
  async onModuleInit(): Promise<void> {
    await this.createGetDate();
    await this.createSystemCatalog();
  }

  /** svv_table_info and stl_scan (see system-catalog.sql); one endpoint at a time creates them. */
  private async createSystemCatalog(): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query("SELECT pg_advisory_xact_lock(hashtext('qupersync_redshift catalog'))");
      for (const statement of systemCatalogStatements) await client.query(statement);
      await client.query(
        `DELETE FROM ${systemCatalogSchema}.stl_scan WHERE starttime < (now() AT TIME ZONE 'UTC') - interval '${scanLogRetention}'`,
      );
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  /** Writes one statement's table scans to stl_scan under its RedshiftQueryId. */
  async recordScans(queryId: number, scans: readonly TableScan[]): Promise<void> {
    if (scans.length === 0) return;
    await this.pool.query(
      `INSERT INTO ${systemCatalogSchema}.stl_scan (query, tbl, perm_table_name, rows_pre_filter)
       SELECT $1::bigint, tbl, name, n FROM unnest($2::bigint[], $3::text[], $4::bigint[]) AS s(tbl, name, n)`,
      [
        queryId,
        scans.map((scan) => scan.tableId),
        scans.map((scan) => scan.tableName),
        scans.map((scan) => scan.rowsPreFilter),
      ],
    );
  }

  private async createGetDate(): Promise<void> {
    await this.createFunction(
      'public.getdate()',
      "CREATE FUNCTION public.getdate() RETURNS timestamp LANGUAGE sql STABLE AS $$ SELECT date_trunc('second', now() AT TIME ZONE 'UTC') $$",
    );
    // Redshift's STRTOL(text, base) -> BIGINT, for base 16 (what `qupersync verify` sums: 15 hex
    // digits of an MD5). A SQL function, so the planner inlines it (verify calls it per row); any
    // other base fails with a cast error that says why, rather than an answer that is wrong.
    // (The error's text depends on `base`, so it is never folded into a failure at plan time.)
    // CREATE OR REPLACE: a warehouse created by an earlier version gets this definition too.
    await this.createFunction(
      'public.strtol(text, integer)',
      `CREATE OR REPLACE FUNCTION public.strtol(digits text, base integer) RETURNS bigint LANGUAGE sql IMMUTABLE AS $$
         SELECT CASE WHEN base = 16 THEN ('x' || lpad(digits, 16, '0'))::bit(64)::bigint
                ELSE CAST('strtol: the local warehouse reads base 16 only, not base ' || base AS bigint) END $$`,
      { replace: true },
    );
  }

  /** Creates a function of Redshift's that PostgreSQL lacks, once; a concurrent creator wins. */
  private async createFunction(
    signature: string,
    definition: string,
    options: { replace?: boolean } = {},
  ): Promise<void> {
    const exists = async (): Promise<boolean> =>
      (await this.pool.query<{ found: string | null }>('SELECT to_regprocedure($1) AS found', [signature]))
        .rows[0]?.found != null;
    if (options.replace !== true && (await exists())) return;
    try {
      await this.pool.query(definition);
    } catch (error) {
      if (!(await exists())) throw error;
    }
  }

  connect(): Promise<PoolClient> {
    return this.pool.connect();
  }

  /** Asks the server to cancel whatever the given backend is running (CancelStatement). */
  async cancelBackend(processId: number): Promise<void> {
    await this.pool.query('SELECT pg_cancel_backend($1)', [processId]);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }
}
