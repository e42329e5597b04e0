// Runs one statement's SQL on the warehouse and keeps its result for paging. Row-returning
// statements run as a SCROLL WITH HOLD cursor: COMMIT materialises the result inside PostgreSQL
// (spilling to disk, not to this process), MOVE/FETCH then serve any page again on request.
// Everything else (DML, DDL, data-modifying WITH, SELECT INTO) runs as a plain statement.
import { Injectable } from '@nestjs/common';
import type { FieldDef, PoolClient, QueryArrayConfig } from 'pg';
import { DatabaseError } from 'pg';
import { decodeTypeModifier, type FieldEncoding, redshiftTypeFor } from './redshift-type.mapping';
import { BufferedResult, CursorResult, type StoredResult, type TextRow } from './stored-result';
import { pendingScanCountsSql } from './system-catalog.sql';
import { textOnlyTypes, WarehousePool } from './warehouse.pool';

/** Rows a statement's scans read from one table before filtering (what STL_SCAN records). */
export interface TableScan {
  readonly tableId: string;
  readonly tableName: string;
  readonly rowsPreFilter: number;
}

/** ColumnMetadata as the real service returns it. */
export interface WireColumnMetadata {
  readonly isCaseSensitive: boolean;
  readonly isCurrency: boolean;
  readonly isSigned: boolean;
  readonly label: string;
  readonly name: string;
  /** 0 = NOT NULL, 1 = nullable, 2 = unknown. */
  readonly nullable: number;
  readonly precision: number;
  readonly scale: number;
  readonly schemaName: string;
  readonly tableName: string;
  readonly typeName: string;
  readonly length: number;
}

export interface ExecutionRequest {
  readonly statementId: string;
  /** SQL with `$n` placeholders. */
  readonly text: string;
  readonly values: readonly string[];
  /** Rows per FETCH while counting a large result (also the most rows kept in memory). */
  readonly chunkRows: number;
  /** Called just before the SQL goes to the server, with the backend to cancel it on; false = cancelled, do not run. */
  readonly onStarted: (processId: number) => boolean;
  readonly isCancelRequested: () => boolean;
  /** Claims a slot for a large result before its connection is pinned (may evict an older one). */
  readonly reserveRetainedSlot: () => Promise<void>;
}

export type ExecutionOutcome =
  | {
      readonly kind: 'finished';
      readonly hasResultSet: boolean;
      readonly resultRows: number;
      readonly resultSize: number;
      /** The largest row seen while executing (every row of a buffered result; the first chunk of a cursor's). */
      readonly largestRowBytes: number;
      readonly columns: readonly WireColumnMetadata[];
      readonly encodings: readonly FieldEncoding[];
      readonly result: StoredResult | undefined;
      /** Rows read by table scans, per table (empty when not measured). */
      readonly scans: readonly TableScan[];
    }
  | { readonly kind: 'failed'; readonly message: string }
  | { readonly kind: 'aborted'; readonly message: string };

type ArrayQuery = QueryArrayConfig<string[]> & { readonly queryMode: 'extended' };

interface TextRows {
  readonly rows: TextRow[];
  readonly fields: FieldDef[];
  readonly rowCount: number | null;
}

// The extended protocol binds parameters and, like the real service, refuses several statements in one.
async function queryRows(
  client: PoolClient,
  text: string,
  values: readonly string[] = [],
): Promise<TextRows> {
  const config: ArrayQuery = {
    text,
    values: [...values],
    rowMode: 'array',
    types: textOnlyTypes,
    queryMode: 'extended',
  };
  const result = await client.query<TextRow, string[]>(config);
  return { rows: result.rows, fields: result.fields, rowCount: result.rowCount };
}

const rowReturningStart = /^(?:\s|--[^\n]*\n|\/\*[\s\S]*?\*\/|\()*(select|with|values|table)\b/i;

export function rowBytes(row: TextRow): number {
  let bytes = 0;
  for (const value of row) bytes += value === null ? 0 : Buffer.byteLength(value);
  return bytes;
}

function largestRowBytes(rows: readonly TextRow[]): number {
  let largest = 0;
  for (const row of rows) largest = Math.max(largest, rowBytes(row));
  return largest;
}

const queryCanceled = '57014';

/** COMMIT, with each table's scanned-row counter read just before and just after it. */
async function commitCountingScans(client: PoolClient): Promise<TableScan[]> {
  let results: unknown;
  try {
    results = await client.query({
      text: `${pendingScanCountsSql}; COMMIT; ${pendingScanCountsSql}`,
      rowMode: 'array',
      types: textOnlyTypes,
    });
  } catch (error) {
    // A failure (or a cancel) before COMMIT ran leaves the transaction open and aborted; the
    // connection goes back to the pool, so end it here. After a failed COMMIT this is a no-op.
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
  if (!Array.isArray(results) || results.length !== 3) return [];
  const before = scanCounts(results[0]);
  const scans: TableScan[] = [];
  for (const [tableId, after] of scanCounts(results[2])) {
    const rows = after.rows - (before.get(tableId)?.rows ?? 0);
    if (rows > 0) scans.push({ tableId, tableName: after.name, rowsPreFilter: rows });
  }
  return scans;
}

/** The rows of pendingScanCountsSql (array mode): rows read so far in the transaction, per table. */
export function scanCounts(result: unknown): Map<string, { name: string; rows: number }> {
  const map = new Map<string, { name: string; rows: number }>();
  const rows: unknown = typeof result === 'object' && result !== null ? Reflect.get(result, 'rows') : [];
  if (!Array.isArray(rows)) return map;
  for (const row of rows) {
    if (!Array.isArray(row)) continue;
    const fields: unknown[] = Array.from<unknown>(row);
    const [oid, name, count] = fields;
    if (typeof oid === 'string' && typeof name === 'string' && typeof count === 'string')
      map.set(oid, { name, rows: Number(count) });
  }
  return map;
}

// pg sets processID from BackendKeyData, but its type definitions do not declare it.
export function backendProcessId(client: PoolClient): number {
  const processId: unknown = Reflect.get(client, 'processID');
  return typeof processId === 'number' ? processId : 0;
}

@Injectable()
export class StatementExecutor {
  constructor(private readonly warehouse: WarehousePool) {}

  async execute(request: ExecutionRequest): Promise<ExecutionOutcome> {
    const client = await this.warehouse.connect();
    let pinned = false;
    try {
      if (!request.onStarted(backendProcessId(client)))
        return { kind: 'aborted', message: 'Query cancelled' };
      const outcome = rowReturningStart.test(request.text)
        ? await this.runAsCursor(client, request, () => {
            pinned = true;
          })
        : await this.runPlain(client, request);
      return outcome;
    } catch (error) {
      if (error instanceof DatabaseError) {
        if (error.code === queryCanceled && request.isCancelRequested())
          return { kind: 'aborted', message: error.message };
        return { kind: 'failed', message: error.message };
      }
      throw error;
    } finally {
      if (!pinned) client.release();
    }
  }

  private async runPlain(client: PoolClient, request: ExecutionRequest): Promise<ExecutionOutcome> {
    const result = await queryRows(client, request.text, request.values);
    if (result.fields.length === 0) {
      return {
        kind: 'finished',
        hasResultSet: false,
        resultRows: result.rowCount ?? 0,
        resultSize: 0,
        largestRowBytes: 0,
        columns: [],
        encodings: [],
        result: undefined,
        scans: [],
      };
    }
    const rows: TextRow[] = result.rows;
    const described = await this.describeColumns(client, result.fields);
    return {
      kind: 'finished',
      hasResultSet: true,
      resultRows: rows.length,
      resultSize: rows.reduce((sum, row) => sum + rowBytes(row), 0),
      largestRowBytes: largestRowBytes(rows),
      ...described,
      result: new BufferedResult(rows),
      scans: [],
    };
  }

  private async runAsCursor(
    client: PoolClient,
    request: ExecutionRequest,
    pin: () => void,
  ): Promise<ExecutionOutcome> {
    const cursor = `qupersync_${request.statementId.replace(/[^a-z0-9]/gi, '')}`;
    await client.query('BEGIN');
    try {
      await queryRows(
        client,
        `DECLARE ${cursor} SCROLL CURSOR WITH HOLD FOR ${request.text}`,
        request.values,
      );
    } catch (error) {
      // DECLARE only parses and plans; a statement a cursor cannot hold (SELECT INTO, a
      // data-modifying WITH) or a genuine error runs once as a plain statement, which then
      // reports the database's own message.
      await client.query('ROLLBACK');
      if (error instanceof DatabaseError) return this.runPlain(client, request);
      throw error;
    }
    // The query runs here: COMMIT materialises a WITH HOLD cursor. The scan counters are read on
    // either side of it in the same message, so the server cannot flush them in between.
    const scans = await commitCountingScans(client);
    let closeCursor = true;
    try {
      const first = await queryRows(client, `FETCH FORWARD ${request.chunkRows + 1} FROM ${cursor}`);
      const described = await this.describeColumns(client, first.fields);
      const firstRows: TextRow[] = first.rows;
      if (firstRows.length <= request.chunkRows) {
        return {
          kind: 'finished',
          hasResultSet: true,
          resultRows: firstRows.length,
          resultSize: firstRows.reduce((sum, row) => sum + rowBytes(row), 0),
          largestRowBytes: largestRowBytes(firstRows),
          ...described,
          result: new BufferedResult(firstRows),
          scans,
        };
      }
      // Large: MOVE counts the rest inside PostgreSQL without sending a row (fetching them only
      // to count them cost as much as serving them). The size is extrapolated from the first
      // chunk; the real service's ResultSize is informational too (-1 means unknown there).
      if (request.isCancelRequested()) return { kind: 'aborted', message: 'Query cancelled' };
      const moved = await client.query(`MOVE FORWARD ALL IN ${cursor}`);
      const totalRows = firstRows.length + (moved.rowCount ?? 0);
      const firstSize = firstRows.reduce((sum, row) => sum + rowBytes(row), 0);
      const resultSize = Math.round((firstSize / firstRows.length) * totalRows);
      await client.query(`MOVE ABSOLUTE 0 IN ${cursor}`);
      await request.reserveRetainedSlot();
      closeCursor = false;
      pin();
      return {
        kind: 'finished',
        hasResultSet: true,
        resultRows: totalRows,
        resultSize,
        largestRowBytes: largestRowBytes(firstRows),
        ...described,
        result: new CursorResult(client, cursor, totalRows),
        scans,
      };
    } finally {
      if (closeCursor) await client.query(`CLOSE ${cursor}`).catch(() => undefined);
    }
  }

  private async describeColumns(
    client: PoolClient,
    fields: readonly FieldDef[],
  ): Promise<{ columns: WireColumnMetadata[]; encodings: FieldEncoding[] }> {
    const tableIds = [...new Set(fields.map((field) => field.tableID).filter((id) => id !== 0))];
    const typeIds = [...new Set(fields.map((field) => field.dataTypeID))];
    const typeNames = new Map<number, string>();
    const typeRows = await queryRows(
      client,
      'SELECT oid::text, typname FROM pg_type WHERE oid = ANY($1::oid[])',
      [`{${typeIds.join(',')}}`],
    );
    for (const [oid, name] of typeRows.rows)
      if (typeof oid === 'string' && typeof name === 'string') typeNames.set(Number(oid), name);
    const attributes = new Map<
      string,
      { schemaName: string; tableName: string; notNull: boolean; caseInsensitive: boolean }
    >();
    if (tableIds.length > 0) {
      // A column of a non-deterministic collation (case_insensitive) is reported as Redshift
      // reports it: isCaseSensitive false.
      const attributeRows = await queryRows(
        client,
        `SELECT a.attrelid::text, a.attnum::text, n.nspname, c.relname, a.attnotnull::text,
                COALESCE(NOT co.collisdeterministic, false)::text
             FROM pg_attribute a
             JOIN pg_class c ON c.oid = a.attrelid
             JOIN pg_namespace n ON n.oid = c.relnamespace
             LEFT JOIN pg_collation co ON co.oid = a.attcollation
            WHERE a.attrelid = ANY($1::oid[]) AND a.attnum > 0`,
        [`{${tableIds.join(',')}}`],
      );
      for (const [
        relation,
        attribute,
        schemaName,
        tableName,
        notNull,
        caseInsensitive,
      ] of attributeRows.rows) {
        attributes.set(`${relation}:${attribute}`, {
          schemaName: schemaName ?? '',
          tableName: tableName ?? '',
          notNull: notNull === 'true',
          caseInsensitive: caseInsensitive === 'true',
        });
      }
    }
    const columns = fields.map((field): WireColumnMetadata => {
      const type = redshiftTypeFor(field.dataTypeID, typeNames.get(field.dataTypeID));
      const modifier = decodeTypeModifier(type, field.dataTypeModifier);
      const attribute = attributes.get(`${field.tableID}:${field.columnID}`);
      return {
        isCaseSensitive: type.isCaseSensitive && attribute?.caseInsensitive !== true,
        isCurrency: false,
        isSigned: type.isSigned,
        label: field.name,
        name: field.name,
        nullable: attribute === undefined ? 1 : attribute.notNull ? 0 : 1,
        precision: modifier.precision,
        scale: modifier.scale,
        schemaName: attribute?.schemaName ?? '',
        tableName: attribute?.tableName ?? '',
        typeName: type.typeName,
        length: modifier.length,
      };
    });
    const encodings = fields.map((field) => redshiftTypeFor(field.dataTypeID, undefined).encoding);
    return { columns, encodings };
  }
}
