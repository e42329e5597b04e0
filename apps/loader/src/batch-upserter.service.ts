// Writes one transformed batch into its target table: COPY into the connection's staging table,
// then one INSERT ... ON CONFLICT, all in one transaction. A row the database rejects (too long,
// a constraint) is isolated by splitting the batch: the good rows load, the bad ones come back.
import { Injectable } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { QualifiedName, quoteIdentifier, quoteQualifiedName } from '@qupersync/config';
import type { BatchRow, BatchSchema } from '@qupersync/contracts';
import { postgresTypeOf, toCopyText } from '@qupersync/entity';
import { JsonLogger } from '@qupersync/observability';
import { PostgresDatabase } from '@qupersync/postgres';
import { buildUpsertStatements, UpsertStatements } from './upsert-statement.builder';

export interface RejectedRow {
  readonly row: BatchRow;
  readonly reason: string;
}

export interface UpsertOutcome {
  readonly rowsWritten: number;
  readonly rejected: readonly RejectedRow[];
}

function sqlState(error: unknown): string | undefined {
  const code: unknown = error instanceof Error ? Reflect.get(error, 'code') : undefined;
  return typeof code === 'string' ? code : undefined;
}

/** SQLSTATE classes that blame the data of a row, not the database: 22 data exception, 23 integrity. */
export function isRowLevelError(error: unknown): boolean {
  const code = sqlState(error);
  return code !== undefined && (code.startsWith('22') || code.startsWith('23'));
}

@Injectable()
export class BatchUpserter {
  private readonly logger = new JsonLogger(BatchUpserter.name);
  private readonly preparedTables = new Set<string>();
  private readonly statements = new Map<string, UpsertStatements>();

  constructor(private readonly database: PostgresDatabase) {}

  async upsert(
    target: QualifiedName,
    schema: BatchSchema,
    rows: readonly BatchRow[],
  ): Promise<UpsertOutcome> {
    if (rows.length === 0) return { rowsWritten: 0, rejected: [] };
    await this.ensureTargetTable(target, schema);
    const statements = this.statementsFor(target, schema);
    try {
      return { rowsWritten: await this.writeInTransaction(statements, schema, rows), rejected: [] };
    } catch (error) {
      if (sqlState(error) === '42P01') {
        // The target table was dropped since we created it: create it again on the next attempt.
        this.preparedTables.delete(quoteQualifiedName(target));
      }
      if (!isRowLevelError(error)) throw error;
      return this.isolateRejectedRows(statements, schema, rows, error);
    }
  }

  private async isolateRejectedRows(
    statements: UpsertStatements,
    schema: BatchSchema,
    rows: readonly BatchRow[],
    error: unknown,
  ): Promise<UpsertOutcome> {
    const first = rows[0];
    if (rows.length === 1 && first !== undefined) {
      return {
        rowsWritten: 0,
        rejected: [{ row: first, reason: error instanceof Error ? error.message : String(error) }],
      };
    }
    const middle = Math.ceil(rows.length / 2);
    let rowsWritten = 0;
    const rejected: RejectedRow[] = [];
    for (const half of [rows.slice(0, middle), rows.slice(middle)]) {
      try {
        rowsWritten += await this.writeInTransaction(statements, schema, half);
      } catch (halfError) {
        if (!isRowLevelError(halfError)) throw halfError;
        const outcome = await this.isolateRejectedRows(statements, schema, half, halfError);
        rowsWritten += outcome.rowsWritten;
        rejected.push(...outcome.rejected);
      }
    }
    return { rowsWritten, rejected };
  }

  private async writeInTransaction(
    statements: UpsertStatements,
    schema: BatchSchema,
    rows: readonly BatchRow[],
  ): Promise<number> {
    return this.database.withTransaction(async (client) => {
      await client.query(statements.createStaging);
      await copyRows(client, statements.copyIntoStaging, schema, rows);
      const result = await client.query(statements.upsert);
      // The staging table is a regular temp table: empty it for the next batch on this connection.
      await client.query(`TRUNCATE ${statements.stagingTable}`);
      return result.rowCount ?? 0;
    });
  }

  private statementsFor(target: QualifiedName, schema: BatchSchema): UpsertStatements {
    const key = `${quoteQualifiedName(target)}|${JSON.stringify(schema)}`;
    let statements = this.statements.get(key);
    if (statements === undefined) {
      statements = buildUpsertStatements(target, schema);
      if (this.statements.size > 200) this.statements.clear();
      this.statements.set(key, statements);
    }
    return statements;
  }

  /** Creates the target table from the batch schema when it does not exist yet. */
  private async ensureTargetTable(target: QualifiedName, schema: BatchSchema): Promise<void> {
    const name = quoteQualifiedName(target);
    if (this.preparedTables.has(name)) return;
    const columns = schema.columns.map(
      (column) => `${quoteIdentifier(column.name)} ${postgresTypeOf(column)}`,
    );
    const key = schema.primaryKey.map(quoteIdentifier).join(', ');
    if (target.schema !== undefined)
      await this.database.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(target.schema)}`);
    await this.database
      .query(`CREATE TABLE IF NOT EXISTS ${name} (${columns.join(', ')}, PRIMARY KEY (${key}))`)
      .catch(async (error: unknown) => {
        // Two loaders creating the same table at once: the loser sees a duplicate; the table exists.
        if (!(await this.tableExists(target))) throw error;
      });
    this.preparedTables.add(name);
    this.logger.info('target table ready', { table: name });
  }

  private async tableExists(target: QualifiedName): Promise<boolean> {
    const rows = await this.database.query<{ found: boolean }>(
      'SELECT to_regclass($1) IS NOT NULL AS found',
      [quoteQualifiedName(target)],
    );
    return rows[0]?.found === true;
  }
}

async function copyRows(
  client: PoolClient,
  sql: string,
  schema: BatchSchema,
  rows: readonly BatchRow[],
): Promise<void> {
  const names = schema.columns.map((column) => column.name);
  const lines: string[] = new Array<string>(rows.length);
  rows.forEach((row, index) => {
    lines[index] = names.map((name) => toCopyText(row[name] ?? null)).join('\t');
  });
  // One write per batch: per-row writes cost more than the COPY itself.
  const payload = Buffer.from(`${lines.join('\n')}\n`, 'utf8');
  await new Promise<void>((resolve, reject) => {
    const stream = client.query(copyFrom(sql));
    stream.on('error', reject);
    stream.on('finish', () => resolve());
    stream.end(payload);
  });
}
