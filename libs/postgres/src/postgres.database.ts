// The one injectable door to PostgreSQL (the target and the sync state). Values come back as
// text for NUMERIC and BIGINT so nothing is rounded; callers convert where they need numbers.
import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { Pool, PoolClient, QueryResultRow, types } from 'pg';
import { JsonLogger } from '@qupersync/observability';

export interface PostgresSettings {
  readonly connectionString: string;
  readonly poolSize: number;
  readonly applicationName: string;
}

export const POSTGRES_SETTINGS = Symbol('POSTGRES_SETTINGS');

const textParser = (value: string): string => value;
const exactTypes = {
  getTypeParser: (oid: number, format?: 'text' | 'binary') => {
    // 20 int8 and 1700 numeric: keep the exact text (a JS number would round them).
    if (oid === 20 || oid === 1700) return textParser;
    return types.getTypeParser(oid, format) as (value: string) => unknown;
  },
};

/**
 * SQLSTATEs that mean "not now" rather than "not this": the server is going away, starting up,
 * read-only (25006: a failover promoted a replica, or the database was switched read-only), out
 * of connections, memory or disk (class 53), the connection broke (class 08), or a serialization
 * conflict (40001). The work is retried, paused, never failed or dead-lettered for them.
 */
const unavailableCodes = new Set(['25006', '57P01', '57P02', '57P03', '40001']);
const unavailableClasses = ['08', '53'];
const unavailableErrnos = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
]);

/** Whether an error is a transient unavailability of the database (see unavailableCodes). */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code: unknown = Reflect.get(error, 'code');
  if (
    typeof code === 'string' &&
    (unavailableCodes.has(code) ||
      unavailableErrnos.has(code) ||
      (code.length === 5 && unavailableClasses.includes(code.slice(0, 2))))
  )
    return true;
  // pg and pg-pool report lost connections and pool connect timeouts by message only.
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|terminating connection/i.test(
    error.message,
  );
}

/**
 * Session limits of every QuperSync connection: no statement runs for ever (a lock wait behind a
 * forgotten transaction, say), and no transaction left open by a dying client holds locks.
 */
export const sessionLimits = {
  statementTimeoutMs: 30 * 60_000,
  idleInTransactionTimeoutMs: 10 * 60_000,
} as const;

@Injectable()
export class PostgresDatabase implements OnModuleDestroy {
  readonly pool: Pool;
  private readonly logger = new JsonLogger(PostgresDatabase.name);

  constructor(@Inject(POSTGRES_SETTINGS) settings: PostgresSettings) {
    this.pool = new Pool({
      connectionString: settings.connectionString,
      max: settings.poolSize,
      application_name: settings.applicationName,
      types: exactTypes,
      connectionTimeoutMillis: 5_000,
      idleTimeoutMillis: 30_000,
      // TCP keepalive: a connection to a server that vanished (failover, network cut) is noticed
      // by the kernel instead of hanging until the next statement times out.
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      statement_timeout: sessionLimits.statementTimeoutMs,
      idle_in_transaction_session_timeout: sessionLimits.idleInTransactionTimeoutMs,
    });
    // An idle client losing its connection (server restart) must not crash the process.
    this.pool.on('error', (error) =>
      this.logger.warn('idle database connection lost', { error: error.message }),
    );
  }

  async query<Row extends QueryResultRow>(text: string, values: readonly unknown[] = []): Promise<Row[]> {
    const result = await this.pool.query<Row>(text, [...values]);
    return result.rows;
  }

  /** Rows as arrays of their values in the SELECT's order: no object per row (large results). */
  async queryArrays(text: string, values: readonly unknown[] = []): Promise<unknown[][]> {
    const result = await this.pool.query<unknown[]>({ text, values: [...values], rowMode: 'array' });
    return result.rows;
  }

  async withClient<Result>(work: (client: PoolClient) => Promise<Result>): Promise<Result> {
    const client = await this.pool.connect();
    let broken = false;
    // The pool listens for errors of idle clients only. A checked-out client whose server goes
    // away between two queries emits 'error' too, and an unheard 'error' kills the process
    // (seen when the target PostgreSQL restarted under the coordinator): note it, let the next
    // query fail, and destroy the client on release.
    const onError = (error: Error): void => {
      broken = true;
      this.logger.warn('database connection lost while in use', { error: error.message });
    };
    client.on('error', onError);
    try {
      return await work(client);
    } catch (error) {
      broken ||= isDatabaseUnavailable(error);
      throw error;
    } finally {
      client.off('error', onError);
      client.release(broken);
    }
  }

  async withTransaction<Result>(work: (client: PoolClient) => Promise<Result>): Promise<Result> {
    return this.withClient(async (client) => {
      await client.query('BEGIN');
      try {
        const result = await work(client);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
  }

  async isReachable(): Promise<boolean> {
    try {
      await this.pool.query('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }

  async onModuleDestroy(): Promise<void> {
    await this.pool.end().catch(() => undefined);
  }
}
