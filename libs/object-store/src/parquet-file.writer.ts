// Builds a flat Parquet file from rows of text as PostgreSQL prints them: the local endpoint's
// UNLOAD FORMAT PARQUET. Types follow what Redshift writes: integers as INT32/INT64, DECIMAL(p,s)
// as a DECIMAL of the same precision and scale, dates as DATE, timestamps as microseconds (a
// TIMESTAMPTZ loses its zone and is stored as its UTC instant), text as UTF8, Snappy-compressed
// pages, row groups of about `rowGroupBytes` of text each.
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
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

/**
 * One file being filled: values are parsed into typed columns as rows arrive, and each row group
 * is encoded once it holds `rowGroupBytes` of text, so memory holds one row group's values and
 * the encoded (compressed) bytes of the file so far.
 */
export class ParquetFileBuilder {
  private readonly parsers: ((text: string) => ColumnValue)[];
  private readonly schema: SchemaElement[];
  private values: ColumnValue[][];
  private output: ByteWriter;
  private file: ParquetWriter;
  private groupBytes = 0;
  private groupRows = 0;
  private textBytes = 0;
  private count = 0;

  constructor(
    private readonly columns: readonly ParquetColumn[],
    private readonly rowGroupBytes: number,
  ) {
    this.parsers = columns.map((column) => parserFor(column.type));
    this.schema = [{ name: 'root', num_children: columns.length }, ...columns.map(schemaElement)];
    this.values = columns.map(() => []);
    this.output = new ByteWriter();
    this.file = this.newFile();
  }

  get rows(): number {
    return this.count;
  }

  /** About as many bytes as the rows took as text: what MAXFILESIZE is held against. */
  get bytes(): number {
    return this.textBytes + this.groupBytes;
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
      this.groupBytes += text.length + 1;
      try {
        column.push((this.parsers[index] ?? String)(text));
      } catch (error) {
        // The row is not taken: columns already pushed for it are taken back.
        for (let earlier = 0; earlier < index; earlier++) this.values[earlier]?.pop();
        throw new RangeError(
          `column ${this.columns[index]?.name ?? index}: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
    this.count++;
    this.groupRows++;
    if (this.groupBytes >= this.rowGroupBytes) this.writeGroup();
  }

  /** The file's bytes; the builder is empty again afterwards. */
  finish(): Buffer {
    // A file without rows has no row group: still a valid Parquet file.
    if (this.groupRows > 0) this.writeGroup();
    settled(this.file.finish());
    const buffer = Buffer.from(this.output.getBuffer());
    this.output = new ByteWriter();
    this.file = this.newFile();
    this.textBytes = 0;
    this.count = 0;
    return buffer;
  }

  private writeGroup(): void {
    settled(
      this.file.write({
        columnData: this.columns.map((column, index) => ({
          name: column.name,
          data: this.values[index] ?? [],
        })),
        rowGroupSize: Math.max(1, this.groupRows),
      }),
    );
    this.textBytes += this.groupBytes;
    this.values = this.columns.map(() => []);
    this.groupBytes = 0;
    this.groupRows = 0;
  }

  private newFile(): ParquetWriter {
    return new ParquetWriter({
      writer: this.output,
      schema: this.schema,
      createdBy: 'qupersync local data-api',
    });
  }
}

/** ParquetWriter answers a promise only for asynchronous writers; a ByteWriter is synchronous. */
function settled(result: void | Promise<void>): void {
  if (result instanceof Promise) throw new Error('the Parquet writer went asynchronous over a ByteWriter');
}
