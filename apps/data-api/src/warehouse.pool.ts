// The endpoint's one connection pool to the PostgreSQL database that plays the warehouse.
// Sessions are pinned to UTC and ISO output, and every value comes back as PostgreSQL's own
// text: parsing in JavaScript would round numerics and shift timestamps before encoding.
import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { Pool, type PoolClient } from 'pg';
import { DATA_API_OPTIONS, type DataApiOptions } from './data-api.options';

/** Hands out every column as its text output, untouched. */
export const textOnlyTypes = { getTypeParser: () => (value: string) => value };

const sessionSettings =
  '-c TimeZone=UTC -c DateStyle=ISO,YMD -c IntervalStyle=postgres -c bytea_output=hex -c extra_float_digits=1';

@Injectable()
export class WarehousePool implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(WarehousePool.name);
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
      this.logger.warn({ message: 'idle warehouse connection failed', error: error.message }),
    );
  }

  /**
   * Redshift's GETDATE() (UTC, whole seconds), which PostgreSQL lacks: the extractor reads the
   * warehouse's own clock with it (a job's settle window). Created once; a concurrent creator wins.
   */
  async onModuleInit(): Promise<void> {
    const exists = async (): Promise<boolean> =>
      (await this.pool.query<{ found: string | null }>("SELECT to_regprocedure('public.getdate()') AS found"))
        .rows[0]?.found != null;
    if (await exists()) return;
    try {
      await this.pool.query(
        "CREATE FUNCTION public.getdate() RETURNS timestamp LANGUAGE sql STABLE AS $$ SELECT date_trunc('second', now() AT TIME ZONE 'UTC') $$",
      );
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
