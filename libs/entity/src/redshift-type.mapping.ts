// Redshift type names (as the Data API reports them in ColumnMetadata.typeName) to QuperSync
// column kinds, and kinds to PostgreSQL target types. The type table of docs/JOBS.md mirrors this file.
import type { BatchColumn, ColumnKind } from '@qupersync/contracts';
import { QuperSyncError } from '@qupersync/contracts';

const kindsByTypeName: Readonly<Record<string, ColumnKind>> = {
  int2: 'smallint',
  smallint: 'smallint',
  int4: 'integer',
  int: 'integer',
  integer: 'integer',
  int8: 'bigint',
  bigint: 'bigint',
  numeric: 'decimal',
  decimal: 'decimal',
  float4: 'real',
  real: 'real',
  float8: 'double',
  float: 'double',
  'double precision': 'double',
  bool: 'boolean',
  boolean: 'boolean',
  char: 'text',
  bpchar: 'text',
  character: 'text',
  nchar: 'text',
  varchar: 'text',
  'character varying': 'text',
  nvarchar: 'text',
  text: 'text',
  name: 'text',
  date: 'date',
  timestamp: 'timestamp',
  'timestamp without time zone': 'timestamp',
  timestamptz: 'timestamptz',
  'timestamp with time zone': 'timestamptz',
  time: 'time',
  'time without time zone': 'time',
  timetz: 'timetz',
  'time with time zone': 'timetz',
  super: 'super',
  varbyte: 'varbyte',
  varbinary: 'varbyte',
  'binary varying': 'varbyte',
};

export function columnKindOf(typeName: string): ColumnKind {
  const kind = kindsByTypeName[typeName.trim().toLowerCase()];
  if (kind === undefined) {
    throw new QuperSyncError(
      'SOURCE_STATEMENT_FAILED',
      'permanent',
      `unsupported source column type "${typeName}"`,
    );
  }
  return kind;
}

/** The PostgreSQL type a target column gets when QuperSync creates the table. */
export function postgresTypeOf(column: BatchColumn): string {
  switch (column.kind) {
    case 'smallint':
      return 'smallint';
    case 'integer':
      return 'integer';
    case 'bigint':
      return 'bigint';
    case 'decimal':
      return column.precision !== null && column.precision > 0 && column.scale !== null
        ? `numeric(${column.precision}, ${column.scale})`
        : 'numeric';
    case 'real':
      return 'real';
    case 'double':
      return 'double precision';
    case 'boolean':
      return 'boolean';
    case 'text': {
      const sqlType = column.sqlType.toLowerCase();
      const length = column.precision !== null && column.precision > 0 ? column.precision : null;
      if (
        length !== null &&
        (sqlType === 'varchar' || sqlType === 'character varying' || sqlType === 'nvarchar')
      )
        return `varchar(${length})`;
      if (
        length !== null &&
        (sqlType === 'char' || sqlType === 'bpchar' || sqlType === 'character' || sqlType === 'nchar')
      )
        return `char(${length})`;
      return 'text';
    }
    case 'date':
      return 'date';
    case 'timestamp':
      return 'timestamp(6)';
    case 'timestamptz':
      return 'timestamptz(6)';
    case 'time':
      return 'time(6)';
    case 'timetz':
      return 'timetz(6)';
    case 'super':
      return 'jsonb';
    case 'varbyte':
      return 'bytea';
  }
}

/** The expression that casts a column of the source query so no digit is lost on the way. */
export function exactSelectExpression(quotedName: string, kind: ColumnKind, relation = 'q'): string {
  // The Data API's JSON result delivers int8 as a JS number (53-bit): read BIGINT as text.
  return kind === 'bigint'
    ? `CAST(${relation}.${quotedName} AS VARCHAR(20)) AS ${quotedName}`
    : `${relation}.${quotedName}`;
}
