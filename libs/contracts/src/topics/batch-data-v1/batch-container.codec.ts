// A data batch on the wire: one Avro Object Container File per Kafka message. The header
// carries the Avro schema (with exact logical types) and the QuperSync batch schema, so any
// Avro reader can decode a batch without QuperSync's code. Written and read synchronously into
// reused buffers; the "deflate" codec is available for wide rows.
import { randomBytes } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { Schema, Type, types } from 'avsc';
import { QuperSyncError } from '../../quper-sync.error';
import { AvroCopyTextWriter, AvroReader, AvroRowCodec, AvroWriter, type ColumnRange } from './avro-row.codec';

export type { ColumnRange } from './avro-row.codec';
import { BatchColumn, BatchRow, BatchSchema, batchSchemaSchema, ExactValue } from './batch-schema';
import {
  bigintToTwosComplement,
  formatUnscaledDecimal,
  parseUnscaledDecimal,
  twosComplementToBigint,
} from './exact-decimal.codec';
import {
  formatDate,
  formatTimeMicros,
  formatTimestampMicros,
  parseDate,
  parseTimeMicros,
  parseTimestampMicros,
} from './exact-temporal.codec';

export type ContainerCodecName = 'null' | 'deflate';

/** The most one deflate block of a batch may inflate to; above it the batch is undecodable. */
export const maxInflatedBlockBytes = 64 * 1024 * 1024;

const magic = Buffer.from([0x4f, 0x62, 0x6a, 0x01]);
const metadataType = Type.forSchema({ type: 'map', values: 'bytes' });
const plainLongType = Type.forSchema('long');
const batchSchemaMetadataKey = 'qupersync.batch_schema';

/** 64-bit integers as bigint, so BIGINT beyond 2^53 and microsecond timestamps stay exact. */
const exactLongType = types.LongType.__with({
  fromBuffer: (buffer: Buffer) => buffer.readBigInt64LE(),
  toBuffer: (value: bigint) => {
    const buffer = Buffer.alloc(8);
    buffer.writeBigInt64LE(value);
    return buffer;
  },
  fromJSON: (value: number | string) => BigInt(value),
  toJSON: (value: bigint) => Number(value),
  isValid: (value: unknown) => typeof value === 'bigint',
  compare: (left: bigint, right: bigint) => (left < right ? -1 : left > right ? 1 : 0),
});

function schemaNumber(schema: Schema, key: string): number {
  const value: unknown = typeof schema === 'object' && schema !== null ? Reflect.get(schema, key) : undefined;
  return typeof value === 'number' ? value : 0;
}

class DecimalLogicalType extends types.LogicalType {
  private readonly scale: number;
  constructor(schema: Schema, options?: unknown) {
    super(schema, options);
    this.scale = schemaNumber(schema, 'scale');
  }
  protected override _fromValue(value: Buffer): string {
    return formatUnscaledDecimal(twosComplementToBigint(value), this.scale);
  }
  protected override _toValue(value: unknown): Buffer | undefined {
    return typeof value === 'string'
      ? bigintToTwosComplement(parseUnscaledDecimal(value, this.scale))
      : undefined;
  }
}

class DateLogicalType extends types.LogicalType {
  protected override _fromValue(value: number): string {
    return formatDate(value);
  }
  protected override _toValue(value: unknown): number | undefined {
    return typeof value === 'string' ? parseDate(value) : undefined;
  }
}

/**
 * avsc builds a logical type's underlying type without the registry, so a long-based logical
 * type would sit on the default (double-precision) long. Swap in the exact long: microsecond
 * timestamps such as 9999-12-31 exceed 2^53.
 */
class ExactLongLogicalType extends types.LogicalType {
  constructor(schema: Schema, options?: unknown) {
    super(schema, options);
    Reflect.set(this, '_underlyingType', exactLongType);
  }
}

class TimeMicrosLogicalType extends ExactLongLogicalType {
  protected override _fromValue(value: bigint): string {
    return formatTimeMicros(value);
  }
  protected override _toValue(value: unknown): bigint | undefined {
    return typeof value === 'string' ? parseTimeMicros(value) : undefined;
  }
}

class TimestampMicrosLogicalType extends ExactLongLogicalType {
  protected override _fromValue(value: bigint): string {
    return formatTimestampMicros(value, true);
  }
  protected override _toValue(value: unknown): bigint | undefined {
    return typeof value === 'string' ? parseTimestampMicros(value) : undefined;
  }
}

class LocalTimestampMicrosLogicalType extends ExactLongLogicalType {
  protected override _fromValue(value: bigint): string {
    return formatTimestampMicros(value, false);
  }
  protected override _toValue(value: unknown): bigint | undefined {
    return typeof value === 'string' ? parseTimestampMicros(value) : undefined;
  }
}

const logicalTypes = {
  decimal: DecimalLogicalType,
  date: DateLogicalType,
  'time-micros': TimeMicrosLogicalType,
  'timestamp-micros': TimestampMicrosLogicalType,
  'local-timestamp-micros': LocalTimestampMicrosLogicalType,
};

/** Avro schema JSON as this module writes it (avsc's own Schema type cannot express attributes). */
export type AvroSchemaJson =
  | string
  | { type: string; logicalType?: string; precision?: number; scale?: number }
  | { type: 'record'; name: string; namespace: string; fields: AvroFieldJson[] };

interface AvroFieldJson {
  name: string;
  type: AvroSchemaJson[];
  default: null;
  sqlName: string;
  sqlType: string;
}

function forSchema(schema: AvroSchemaJson): Type {
  // The only cast to avsc's schema type: our JSON is a subset of Avro schema JSON.
  return Type.forSchema(schema as Schema, {
    logicalTypes,
    registry: { long: exactLongType },
    assertLogicalTypes: true,
  });
}

/** The Avro type of one column's values (always nullable: NULL stays NULL in every type). */
export function avroTypeOfColumn(column: BatchColumn): AvroSchemaJson {
  switch (column.kind) {
    case 'smallint':
    case 'integer':
      return 'int';
    case 'bigint':
      return 'long';
    case 'decimal':
      return column.precision !== null && column.precision > 0 && column.scale !== null
        ? { type: 'bytes', logicalType: 'decimal', precision: column.precision, scale: column.scale }
        : 'string';
    case 'real':
      return 'float';
    case 'double':
      return 'double';
    case 'boolean':
      return 'boolean';
    case 'text':
    case 'timetz':
    case 'super':
      return 'string';
    case 'date':
      return { type: 'int', logicalType: 'date' };
    case 'timestamp':
      return { type: 'long', logicalType: 'local-timestamp-micros' };
    case 'timestamptz':
      return { type: 'long', logicalType: 'timestamp-micros' };
    case 'time':
      return { type: 'long', logicalType: 'time-micros' };
    case 'varbyte':
      return 'bytes';
  }
}

const avroNamePattern = /^[A-Za-z_][A-Za-z0-9_]*$/;

function avroFieldNames(columns: readonly BatchColumn[]): string[] {
  return columns.map((column, index) => (avroNamePattern.test(column.name) ? column.name : `_${index}`));
}

function toAvroSchema(batchSchema: BatchSchema): AvroSchemaJson {
  const names = avroFieldNames(batchSchema.columns);
  return {
    type: 'record',
    name: 'Row',
    namespace: `qupersync.batch.${batchSchema.job.replace(/[^A-Za-z0-9_]/g, '_')}`,
    fields: batchSchema.columns.map((column, index) => ({
      name: names[index] ?? `_${index}`,
      type: ['null', avroTypeOfColumn(column)],
      default: null,
      sqlName: column.name,
      sqlType: column.sqlType,
    })),
  };
}

/**
 * avsc's type for the rows of a batch schema: the reference implementation the fast row codec
 * is checked against byte for byte, and the reader of containers other writers produced.
 */
export function avscRowTypeOf(batchSchema: BatchSchema): Type {
  return forSchema(toAvroSchema(batchSchema));
}

/** A compiled batch schema: build it once per job/run and reuse it for every batch. */
export class BatchContainerCodec {
  readonly avroSchema: AvroSchemaJson;
  private readonly rows: AvroRowCodec;
  private readonly writer = new AvroWriter();
  private readonly metadata: Buffer;

  constructor(
    readonly batchSchema: BatchSchema,
    private readonly codecName: ContainerCodecName = 'null',
  ) {
    this.avroSchema = toAvroSchema(batchSchema);
    this.rows = new AvroRowCodec(batchSchema.columns);
    this.metadata = metadataType.toBuffer({
      'avro.schema': Buffer.from(JSON.stringify(this.avroSchema)),
      'avro.codec': Buffer.from(this.codecName),
      [batchSchemaMetadataKey]: Buffer.from(JSON.stringify(this.batchSchema)),
    });
  }

  encode(rows: readonly BatchRow[]): Buffer {
    const writer = this.writer;
    writer.reset();
    for (const row of rows) {
      try {
        this.rows.write(writer, row);
      } catch (error) {
        throw new QuperSyncError('ROW_INVALID', 'permanent', `row cannot be encoded: ${describe(error)}`);
      }
    }
    return this.finish(rows.length);
  }

  /**
   * encode() for records of another shape (a Data API record, say): `fill(record, values)` puts
   * the exact value of each column into `values` (reused from record to record), so no row object
   * is built per record. A QuperSyncError `fill` throws (a malformed record) stands as it is.
   */
  encodeFrom<Source>(
    records: readonly Source[],
    fill: (record: Source, values: ExactValue[]) => void,
  ): Buffer {
    const writer = this.writer;
    writer.reset();
    const values: ExactValue[] = new Array<ExactValue>(this.batchSchema.columns.length).fill(null);
    for (const record of records) {
      try {
        fill(record, values);
        this.rows.writeValues(writer, values);
      } catch (error) {
        if (error instanceof QuperSyncError) throw error;
        throw new QuperSyncError('ROW_INVALID', 'permanent', `row cannot be encoded: ${describe(error)}`);
      }
    }
    return this.finish(records.length);
  }

  private finish(rowCount: number): Buffer {
    const writer = this.writer;
    const raw = writer.buffer.subarray(0, writer.position);
    const data = this.codecName === 'deflate' ? deflateRawSync(raw) : raw;
    const sync = randomBytes(16);
    return Buffer.concat([
      magic,
      this.metadata,
      sync,
      plainLongType.toBuffer(rowCount),
      plainLongType.toBuffer(data.length),
      data,
      sync,
    ]);
  }
}

export interface DecodedBatch {
  readonly schema: BatchSchema;
  readonly rows: BatchRow[];
}

/** Decodes a batch container; the schema comes from the message itself. */
export function decodeBatchContainer(message: Buffer | null): DecodedBatch {
  return undecodableUnlessQuperSync(() => {
    const header = readHeader(message);
    const rows: BatchRow[] = [];
    for (const { count, block } of blocksOf(header, true)) header.reader.readBlock(block, count, rows);
    return { schema: header.reader.batchSchema, rows };
  });
}

/** A batch's rows as PostgreSQL COPY text (AvroCopyTextWriter). */
export interface CopyTextBatch {
  /** Every row, columns in the batch schema's order, each line ending in a newline. */
  readonly text: Buffer;
  readonly rowCount: number;
  /** The first key column's smallest and largest value when it is an integer column without NULLs. */
  readonly firstKeyRange: ColumnRange | null;
}

const integerKinds: ReadonlySet<string> = new Set(['smallint', 'integer', 'bigint']);

/**
 * A batch message as it came off the topic, decoded only as far as its consumer asks: its rows as
 * objects (memoised), or its COPY text straight from the Avro bytes. Building one reads the header
 * and the block headers, never a row; an undecodable header throws MESSAGE_UNDECODABLE.
 */
export class EncodedBatch {
  private decodedRows: BatchRow[] | undefined;
  private copy: CopyTextBatch | null | undefined;

  private constructor(
    private readonly header: ContainerHeader,
    readonly rowCount: number,
  ) {}

  static from(message: Buffer | null): EncodedBatch {
    return undecodableUnlessQuperSync(() => {
      const header = readHeader(message);
      let rows = 0;
      for (const block of blocksOf(header)) rows += block.count;
      return new EncodedBatch(header, rows);
    });
  }

  get schema(): BatchSchema {
    return this.header.reader.batchSchema;
  }

  rows(): BatchRow[] {
    this.decodedRows ??= decodeBatchContainer(this.header.message).rows;
    return this.decodedRows;
  }

  /** The COPY text of every row; undefined for a container another Avro writer laid out. */
  copyText(): CopyTextBatch | undefined {
    if (this.copy === undefined) this.copy = this.header.reader.ownLayout ? this.writeCopyText() : null;
    return this.copy ?? undefined;
  }

  private writeCopyText(): CopyTextBatch {
    return undecodableUnlessQuperSync(() => {
      const schema = this.schema;
      const key = schema.primaryKey[0];
      const keyIndex = schema.columns.findIndex((column) => column.name === key);
      const keyColumn = schema.columns[keyIndex];
      const tracked = keyColumn !== undefined && integerKinds.has(keyColumn.kind) ? keyIndex : -1;
      const writer = new AvroCopyTextWriter(schema.columns, tracked);
      // Text is about twice its Avro: numbers and timestamps grow from varints to digits.
      const out = new AvroWriter(Math.max(1024, this.header.message.length * 2));
      let range: ColumnRange | null | undefined = tracked < 0 ? null : undefined;
      for (const { count, block } of blocksOf(this.header, true)) {
        const reader = new AvroReader(block, 0, block.length);
        range = writer.writeRows(reader, count, out, range);
        if (reader.position !== block.length) throw new Error('a block holds more than its rows');
      }
      return {
        text: out.buffer.subarray(0, out.position),
        rowCount: this.rowCount,
        firstKeyRange: range ?? null,
      };
    });
  }
}

/** The container's blocks: their row counts, and their bytes (inflated) when `read` is set. */
function* blocksOf(header: ContainerHeader, read = false): Generator<{ count: number; block: Buffer }> {
  let position = header.blocksStart;
  while (position < header.message.length) {
    const count = plainLongType.decode(header.message, position);
    const size = plainLongType.decode(header.message, count.offset);
    const start = size.offset;
    const end = start + Number(size.value);
    if (count.offset < 0 || start < 0 || end > header.message.length) throw new Error('truncated block');
    const compressed = header.message.subarray(start, end);
    // Bounded: a small deflate block can claim gigabytes (a zip bomb); no batch is that large.
    const block =
      read && header.codecName === 'deflate'
        ? inflateRawSync(compressed, { maxOutputLength: maxInflatedBlockBytes })
        : compressed;
    yield { count: Number(count.value), block };
    position = end + 16;
  }
}

/** The batch schema of a container, read from its header alone (the rows are not decoded). */
export function readBatchContainerSchema(message: Buffer | null): BatchSchema {
  return undecodableUnlessQuperSync(() => readHeader(message).reader.batchSchema);
}

interface ContainerHeader {
  readonly message: Buffer;
  readonly reader: CompiledReader;
  readonly codecName: ContainerCodecName;
  readonly blocksStart: number;
}

function readHeader(message: Buffer | null): ContainerHeader {
  if (message === null || message.length < magic.length || !message.subarray(0, 4).equals(magic)) {
    throw new QuperSyncError('MESSAGE_UNDECODABLE', 'permanent', 'not an Avro object container file');
  }
  const decodedMetadata = metadataType.decode(message, 4);
  if (decodedMetadata.offset < 0) throw new Error('truncated header');
  const metadataValue: unknown = decodedMetadata.value;
  const metadata = metadataValue as Record<string, Buffer>;
  const schemaBytes = metadata['avro.schema'];
  const batchSchemaBytes = metadata[batchSchemaMetadataKey];
  if (schemaBytes === undefined || batchSchemaBytes === undefined) {
    throw new Error('the header lacks avro.schema or the QuperSync batch schema');
  }
  const codecName = metadata['avro.codec']?.toString('utf8') ?? 'null';
  if (codecName !== 'null' && codecName !== 'deflate') throw new Error(`unsupported codec ${codecName}`);
  return {
    message,
    reader: compiledReader(schemaBytes, batchSchemaBytes),
    codecName,
    blocksStart: decodedMetadata.offset + 16,
  };
}

function undecodableUnlessQuperSync<Result>(work: () => Result): Result {
  try {
    return work();
  } catch (error) {
    if (error instanceof QuperSyncError) throw error;
    throw new QuperSyncError(
      'MESSAGE_UNDECODABLE',
      'permanent',
      `batch cannot be decoded: ${describe(error)}`,
    );
  }
}

interface CompiledReader {
  readonly batchSchema: BatchSchema;
  /** Written with QuperSync's own row layout (AvroRowCodec), not another writer's schema. */
  readonly ownLayout: boolean;
  readBlock(block: Buffer, count: number, into: BatchRow[]): void;
}

/** Batches QuperSync wrote: its own row codec. */
function ownLayoutReader(batchSchema: BatchSchema): CompiledReader {
  const codec = new AvroRowCodec(batchSchema.columns);
  return {
    batchSchema,
    ownLayout: true,
    readBlock(block, count, into) {
      const reader = new AvroReader(block, 0, block.length);
      for (let index = 0; index < count; index++) into.push(codec.read(reader));
    },
  };
}

/** A container another Avro writer produced with its own schema: avsc reads it by that schema. */
function foreignLayoutReader(batchSchema: BatchSchema, writerSchema: AvroSchemaJson): CompiledReader {
  const rowType = forSchema(writerSchema);
  const fieldNames = avroFieldNames(batchSchema.columns);
  const renamed = fieldNames.some((name, index) => name !== batchSchema.columns[index]?.name);
  return {
    batchSchema,
    ownLayout: false,
    readBlock(block, count, into) {
      let blockPosition = 0;
      for (let index = 0; index < count; index++) {
        const decoded = rowType.decode(block, blockPosition);
        if (decoded.offset < 0) throw new Error('truncated block');
        blockPosition = decoded.offset;
        into.push(
          renamed
            ? fromAvroRecord(decoded.value as Record<string, ExactValue>, batchSchema, fieldNames)
            : (decoded.value as BatchRow),
        );
      }
    },
  };
}

/**
 * Every batch of a run carries the same schema: compile it once (building an avsc type costs
 * more than decoding a whole batch) and keep a bounded number of them.
 */
const compiledReaders = new Map<string, CompiledReader>();
const maxCompiledReaders = 256;

function compiledReader(schemaBytes: Buffer, batchSchemaBytes: Buffer): CompiledReader {
  const key = `${schemaBytes.toString('utf8')}\u0000${batchSchemaBytes.toString('utf8')}`;
  let reader = compiledReaders.get(key);
  if (reader === undefined) {
    const batchSchema = batchSchemaSchema.parse(JSON.parse(batchSchemaBytes.toString('utf8')));
    const writerSchema = schemaBytes.toString('utf8');
    reader =
      writerSchema === JSON.stringify(toAvroSchema(batchSchema))
        ? ownLayoutReader(batchSchema)
        : foreignLayoutReader(batchSchema, JSON.parse(writerSchema) as AvroSchemaJson);
    if (compiledReaders.size >= maxCompiledReaders) compiledReaders.clear();
    compiledReaders.set(key, reader);
  }
  return reader;
}

function fromAvroRecord(
  record: Record<string, ExactValue>,
  schema: BatchSchema,
  fieldNames: string[],
): BatchRow {
  const row: BatchRow = {};
  schema.columns.forEach((column, index) => {
    row[column.name] = record[fieldNames[index] ?? column.name] ?? null;
  });
  return row;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
