// Builds a flat Parquet file from rows of text as PostgreSQL prints them: the local endpoint's
// UNLOAD FORMAT PARQUET. Types follow what Redshift writes: integers as INT32/INT64, DECIMAL(p,s)
// as a DECIMAL of the same precision and scale, dates as DATE, timestamps as microseconds (a
// TIMESTAMPTZ loses its zone and is stored as its UTC instant), text as UTF8, Snappy-compressed
// pages, row groups of about `rowGroupBytes` of text each.
import { parquetWriteBuffer } from 'hyparquet-writer';
import type { SchemaElement } from 'hyparquet';
import { daysOfDateText, microsOfTimestampText, microsOfTimeText, unscaledDecimal } from './parquet-values';

export type ParquetColumnType =
  | { readonly kind: 'boolean' }
  | { readonly kind: 'int32' }
  | { readonly kind: 'int64' }
  | { readonly kind: 'float' }
  | { readonly kind: 'double' }
  | { readonly kind: 'decimal'; readonly precision: number; readonly scale: number }
  | { readonly kind: 'string' }
  | { readonly kind: 'json' }
  | { readonly kind: 'date' }
  | { readonly kind: 'timestamp'; readonly utc: boolean }
  | { readonly kind: 'time' };

export interface ParquetColumn {
  readonly name: string;
  readonly type: ParquetColumnType;
}

type ColumnValue = boolean | number | bigint | string | null;

function schemaElement(column: ParquetColumn): SchemaElement {
  const base = { name: column.name, repetition_type: 'OPTIONAL' as const };
  const type = column.type;
  switch (type.kind) {
    case 'boolean':
      return { ...base, type: 'BOOLEAN' };
    case 'int32':
      return { ...base, type: 'INT32' };
    case 'int64':
      return { ...base, type: 'INT64' };
    case 'float':
      return { ...base, type: 'FLOAT' };
    case 'double':
      return { ...base, type: 'DOUBLE' };
    case 'decimal': {
      const decimal = { converted_type: 'DECIMAL' as const, precision: type.precision, scale: type.scale };
      if (type.precision <= 9) return { ...base, ...decimal, type: 'INT32' };
      if (type.precision <= 18) return { ...base, ...decimal, type: 'INT64' };
      return { ...base, ...decimal, type: 'FIXED_LEN_BYTE_ARRAY', type_length: 16 };
    }
    case 'string':
      return { ...base, type: 'BYTE_ARRAY', converted_type: 'UTF8' };
    case 'json':
      return { ...base, type: 'BYTE_ARRAY', converted_type: 'JSON' };
    case 'date':
      return { ...base, type: 'INT32', converted_type: 'DATE' };
    case 'timestamp':
      return {
        ...base,
        type: 'INT64',
        converted_type: 'TIMESTAMP_MICROS',
        logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: type.utc, unit: 'MICROS' },
      };
    case 'time':
      return {
        ...base,
        type: 'INT64',
        converted_type: 'TIME_MICROS',
        logical_type: { type: 'TIME', isAdjustedToUTC: false, unit: 'MICROS' },
      };
  }
}

function parserFor(type: ParquetColumnType): (text: string) => ColumnValue {
  switch (type.kind) {
    case 'boolean':
      return (text) => text === 't' || text === 'true';
    case 'int32':
      return (text) => Number(text);
    case 'int64':
      return (text) => BigInt(text);
    case 'float':
    case 'double':
      return (text) => Number(text);
    case 'decimal': {
      // Always the unscaled bigint: the writer would scale a number once more.
      const { scale } = type;
      return (text) => unscaledDecimal(text, scale);
    }
    case 'string':
    case 'json':
      return (text) => text;
    case 'date':
      return (text) => daysOfDateText(text);
    case 'timestamp':
      return (text) => microsOfTimestampText(text);
    case 'time':
      return (text) => microsOfTimeText(text);
  }
}

/** One file being filled: values are parsed into typed columns as rows arrive. */
export class ParquetFileBuilder {
  private readonly parsers: ((text: string) => ColumnValue)[];
  private values: ColumnValue[][];
  private textBytes = 0;
  private count = 0;

  constructor(
    private readonly columns: readonly ParquetColumn[],
    private readonly rowGroupBytes: number,
  ) {
    this.parsers = columns.map((column) => parserFor(column.type));
    this.values = columns.map(() => []);
  }

  get rows(): number {
    return this.count;
  }

  /** About as many bytes as the rows took as text: what MAXFILESIZE is held against. */
  get bytes(): number {
    return this.textBytes;
  }

  /** A row as text, NULL as null; throws RangeError naming the column for a value it cannot hold. */
  push(row: readonly (string | null)[]): void {
    for (let index = 0; index < this.columns.length; index++) {
      const text = row[index] ?? null;
      const column = this.values[index];
      if (column === undefined) continue;
      if (text === null) {
        column.push(null);
        continue;
      }
      this.textBytes += text.length + 1;
      try {
        column.push((this.parsers[index] ?? String)(text));
      } catch (error) {
        throw new RangeError(
          `column ${this.columns[index]?.name ?? index}: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
    this.count++;
  }

  /** The file's bytes; the builder is empty again afterwards. */
  finish(): Buffer {
    const groups = Math.max(1, Math.ceil(this.textBytes / this.rowGroupBytes));
    const buffer = parquetWriteBuffer({
      columnData: this.columns.map((column, index) => ({
        name: column.name,
        data: this.values[index] ?? [],
      })),
      schema: [{ name: 'root', num_children: this.columns.length }, ...this.columns.map(schemaElement)],
      rowGroupSize: Math.max(1, Math.ceil(this.count / groups)),
      createdBy: 'qupersync local data-api',
    });
    this.values = this.columns.map(() => []);
    this.textBytes = 0;
    this.count = 0;
    return Buffer.from(buffer);
  }
}
