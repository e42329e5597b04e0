// Reads a flat Parquet file (what UNLOAD FORMAT PARQUET writes) a row group at a time, through
// ranged reads, so memory holds one row group whatever the file size. Every value comes out
// exact, as the text or number the CSV path would give for it: hyparquet's own conversions would
// turn a DECIMAL into a float and a timestamp into a millisecond Date, so DECIMAL columns are read
// as their unscaled integers and timestamps as bigint counts, and converted here (parquet-values).
import {
  type AsyncBuffer,
  type ColumnData,
  type FileMetaData,
  parquetMetadataAsync,
  parquetRead,
  type SchemaElement,
} from 'hyparquet';
import type { ObjectStore } from './object-store';
import {
  bigEndianInteger,
  dateText,
  decimalText,
  shortestFloat32,
  timestampText,
  timeText,
} from './parquet-values';
import type { S3Location } from './s3-location';

/** A value as the extractor's row converters take it (the CSV path gives text for all of them). */
export type ParquetFieldValue = string | number | boolean | null;

export class ParquetFileError extends Error {}

export interface ParquetReadOptions {
  /** Columns the file must have, in order. */
  readonly columns: number;
  /** Per column: print timestamps as TIMESTAMPTZ (UTC, +00) instead of TIMESTAMP. */
  readonly zoned: readonly boolean[];
  readonly signal?: AbortSignal | undefined;
}

type Converter = (value: unknown) => ParquetFieldValue;

const rawParsers = {
  timestampFromMilliseconds: (value: bigint): bigint => value,
  timestampFromMicroseconds: (value: bigint): bigint => value,
  timestampFromNanoseconds: (value: bigint): bigint => value,
  dateFromDays: (value: number): number => value,
  jsonFromBytes: (bytes: Uint8Array): string => textDecoder.decode(bytes),
};

const textDecoder = new TextDecoder('utf-8', { fatal: true });

/** Rows converted and handed on at a time, so a row group's rows are never all built at once. */
const pageRows = 4096;

/** The file's rows, a row group at a time, in pages of at most 4,096 rows; throws ParquetFileError for a file it cannot read exactly. */
export async function* readParquetRows(
  file: AsyncBuffer,
  options: ParquetReadOptions,
): AsyncGenerator<ParquetFieldValue[][]> {
  const { metadata, declared } = await readMetadata(file);
  const leaves = declared.slice(1);
  if (leaves.some((element) => element.num_children !== undefined && element.num_children > 0))
    throw new ParquetFileError('nested Parquet columns are not supported');
  if (leaves.length !== options.columns)
    throw new ParquetFileError(
      `the file has ${leaves.length} columns where ${options.columns} were selected`,
    );
  const converters = leaves.map((element, index) => converterFor(element, options.zoned[index] === true));
  const positions = new Map(leaves.map((element, index) => [element.name, index]));
  let start = 0;
  for (const group of metadata.row_groups) {
    options.signal?.throwIfAborted();
    const count = Number(group.num_rows);
    const columns: unknown[][] = leaves.map(() => new Array<unknown>(count));
    const take = (chunk: ColumnData): void => {
      const index = positions.get(chunk.columnName);
      const column = index === undefined ? undefined : columns[index];
      if (column === undefined) return;
      for (let row = Math.max(chunk.rowStart, start); row < Math.min(chunk.rowEnd, start + count); row++)
        column[row - start] = chunk.columnData[row - chunk.rowStart];
    };
    await parquetRead({
      file,
      metadata,
      rowStart: start,
      rowEnd: start + count,
      utf8: false,
      parsers: rawParsers,
      onChunk: take,
    });
    // Converted a page at a time: only the decoded columns of the row group are held whole.
    for (let first = 0; first < count; first += pageRows) {
      const last = Math.min(count, first + pageRows);
      const rows = new Array<ParquetFieldValue[]>(last - first);
      for (let row = first; row < last; row++) {
        const values = new Array<ParquetFieldValue>(leaves.length);
        for (let index = 0; index < leaves.length; index++) {
          const value = columns[index]?.[row];
          values[index] = value === null || value === undefined ? null : (converters[index] ?? String)(value);
        }
        rows[row - first] = values;
      }
      yield rows;
    }
    start += count;
  }
}

/** The metadata to read with (DECIMAL annotations off), and the schema as the file declares it. */
async function readMetadata(
  file: AsyncBuffer,
): Promise<{ metadata: FileMetaData; declared: readonly SchemaElement[] }> {
  let metadata: FileMetaData;
  try {
    metadata = await parquetMetadataAsync(file);
  } catch (error) {
    throw new ParquetFileError(
      `not a readable Parquet file: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  // DECIMAL annotations are taken off, so hyparquet hands over the unscaled integers instead of a
  // float; the converters read the scale from the declared schema.
  return {
    metadata: {
      ...metadata,
      schema: metadata.schema.map((element) =>
        isDecimal(element) ? { ...element, converted_type: undefined, logical_type: undefined } : element,
      ),
    },
    declared: metadata.schema,
  };
}

/** The number of rows a file's footer declares, without reading its data. */
export async function parquetRowCount(file: AsyncBuffer): Promise<number> {
  const { metadata } = await readMetadata(file);
  return Number(metadata.num_rows);
}

function isDecimal(element: SchemaElement): boolean {
  return element.converted_type === 'DECIMAL' || element.logical_type?.type === 'DECIMAL';
}

function decimalScale(element: SchemaElement): number {
  const logical = element.logical_type;
  if (logical?.type === 'DECIMAL') return logical.scale;
  return element.scale ?? 0;
}

function timestampUnitDivisor(element: SchemaElement): { multiply: bigint; divide: bigint } | undefined {
  const logical = element.logical_type;
  if (logical?.type === 'TIMESTAMP') {
    if (logical.unit === 'MILLIS') return { multiply: 1000n, divide: 1n };
    if (logical.unit === 'MICROS') return { multiply: 1n, divide: 1n };
    return { multiply: 1n, divide: 1000n };
  }
  if (element.converted_type === 'TIMESTAMP_MILLIS') return { multiply: 1000n, divide: 1n };
  if (element.converted_type === 'TIMESTAMP_MICROS') return { multiply: 1n, divide: 1n };
  if (element.type === 'INT96') return { multiply: 1n, divide: 1000n };
  return undefined;
}

function converterFor(element: SchemaElement, zoned: boolean): Converter {
  const name = element.name;
  if (isDecimal(element)) {
    const scale = decimalScale(element);
    return (value) => decimalText(toBigInt(value, name), scale);
  }
  const timestamp = timestampUnitDivisor(element);
  if (timestamp !== undefined)
    return (value) => {
      const count = toBigInt(value, name) * timestamp.multiply;
      if (count % timestamp.divide !== 0n)
        throw new ParquetFileError(`${name}: a timestamp finer than microseconds (${count} ns)`);
      return timestampText(count / timestamp.divide, zoned);
    };
  if (element.converted_type === 'DATE' || element.logical_type?.type === 'DATE')
    return (value) => dateText(Number(value));
  const logical = element.logical_type;
  if (
    logical?.type === 'TIME' ||
    element.converted_type === 'TIME_MILLIS' ||
    element.converted_type === 'TIME_MICROS'
  ) {
    const millis =
      element.converted_type === 'TIME_MILLIS' || (logical?.type === 'TIME' && logical.unit === 'MILLIS');
    return (value) => timeText(millis ? toBigInt(value, name) * 1000n : toBigInt(value, name));
  }
  switch (element.type) {
    case 'BOOLEAN':
      return (value) => value === true;
    case 'INT32':
      return (value) => Number(value);
    case 'INT64':
      return (value) => String(value);
    case 'FLOAT':
      return (value) => shortestFloat32(Number(value));
    case 'DOUBLE':
      return (value) => Number(value);
    case 'BYTE_ARRAY':
    case 'FIXED_LEN_BYTE_ARRAY':
    case 'INT96':
    case undefined:
      return (value) => {
        if (typeof value === 'string') return value;
        if (value instanceof Uint8Array) {
          // Text columns are annotated (UTF8/STRING/JSON) and arrive decoded; bare bytes are binary.
          return `\\x${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')}`;
        }
        throw new ParquetFileError(`${name}: unexpected ${typeof value} value`);
      };
  }
}

function toBigInt(value: unknown, name: string): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  if (value instanceof Uint8Array) return bigEndianInteger(value);
  throw new ParquetFileError(`${name}: expected an integer, got ${typeof value}`);
}

/** A stored object as hyparquet's random-access file: the footer and each row group by ranged GETs. */
export async function objectAsyncBuffer(objects: ObjectStore, location: S3Location): Promise<AsyncBuffer> {
  const byteLength = await objects.size(location);
  return {
    byteLength,
    async slice(start: number, end?: number): Promise<ArrayBuffer> {
      const bytes = await objects.readRange(location, start, end ?? byteLength);
      const copy = new ArrayBuffer(bytes.byteLength);
      new Uint8Array(copy).set(bytes);
      return copy;
    },
  };
}
