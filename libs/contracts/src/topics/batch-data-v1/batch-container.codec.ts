// A data batch on the wire: one Avro Object Container File per Kafka message. The header
// carries the Avro schema (with exact logical types) and the QuperSync batch schema, so any
// Avro reader can decode a batch without QuperSync's code. Written and read synchronously into
// reused buffers; the "deflate" codec is available for wide rows.
import { randomBytes } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { Schema, Type, types } from 'avsc';
import { QuperSyncError } from '../../quper-sync.error';
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

/** A compiled batch schema: build it once per job/run and reuse it for every batch. */
export class BatchContainerCodec {
  readonly avroSchema: AvroSchemaJson;
  private readonly rowType: Type;
  private readonly fieldNames: string[];
  private readonly renamed: boolean;
  private buffer = Buffer.alloc(1 << 16);

  constructor(
    readonly batchSchema: BatchSchema,
    private readonly codecName: ContainerCodecName = 'null',
  ) {
    this.avroSchema = toAvroSchema(batchSchema);
    this.rowType = forSchema(this.avroSchema);
    this.fieldNames = avroFieldNames(batchSchema.columns);
    this.renamed = this.fieldNames.some((name, index) => name !== batchSchema.columns[index]?.name);
  }

  encode(rows: readonly BatchRow[]): Buffer {
    const header = this.encodeHeader();
    let position = 0;
    for (const row of rows) {
      const record = this.renamed ? this.toAvroRecord(row) : row;
      for (;;) {
        let next: number;
        try {
          next = this.rowType.encode(record, this.buffer, position);
        } catch (error) {
          throw new QuperSyncError('ROW_INVALID', 'permanent', `row cannot be encoded: ${describe(error)}`);
        }
        if (next >= 0) {
          position = next;
          break;
        }
        // A negative result is the size the buffer is short by: grow and encode the row again.
        const grown = Buffer.alloc(Math.max(this.buffer.length * 2, position - next));
        this.buffer.copy(grown, 0, 0, position);
        this.buffer = grown;
      }
    }
    const raw = this.buffer.subarray(0, position);
    const data = this.codecName === 'deflate' ? deflateRawSync(raw) : Buffer.from(raw);
    return Buffer.concat([
      header.bytes,
      plainLongType.toBuffer(rows.length),
      plainLongType.toBuffer(data.length),
      data,
      header.sync,
    ]);
  }

  private encodeHeader(): { bytes: Buffer; sync: Buffer } {
    const sync = randomBytes(16);
    const metadata = metadataType.toBuffer({
      'avro.schema': Buffer.from(JSON.stringify(this.avroSchema)),
      'avro.codec': Buffer.from(this.codecName),
      [batchSchemaMetadataKey]: Buffer.from(JSON.stringify(this.batchSchema)),
    });
    return { bytes: Buffer.concat([magic, metadata, sync]), sync };
  }

  private toAvroRecord(row: BatchRow): Record<string, ExactValue> {
    const record: Record<string, ExactValue> = {};
    this.batchSchema.columns.forEach((column, index) => {
      record[this.fieldNames[index] ?? column.name] = row[column.name] ?? null;
    });
    return record;
  }
}

export interface DecodedBatch {
  readonly schema: BatchSchema;
  readonly rows: BatchRow[];
}

/** Decodes a batch container; the schema comes from the message itself. */
export function decodeBatchContainer(message: Buffer | null): DecodedBatch {
  if (message === null || message.length < magic.length || !message.subarray(0, 4).equals(magic)) {
    throw new QuperSyncError('MESSAGE_UNDECODABLE', 'permanent', 'not an Avro object container file');
  }
  try {
    const decodedMetadata = metadataType.decode(message, 4);
    const metadataValue: unknown = decodedMetadata.value;
    const afterMetadata = decodedMetadata.offset;
    const metadata = metadataValue as Record<string, Buffer>;
    const schemaBytes = metadata['avro.schema'];
    const batchSchemaBytes = metadata[batchSchemaMetadataKey];
    if (schemaBytes === undefined || batchSchemaBytes === undefined) {
      throw new Error('the header lacks avro.schema or the QuperSync batch schema');
    }
    const codecName = metadata['avro.codec']?.toString('utf8') ?? 'null';
    if (codecName !== 'null' && codecName !== 'deflate') throw new Error(`unsupported codec ${codecName}`);
    const { batchSchema, rowType, fieldNames, renamed } = compiledReader(schemaBytes, batchSchemaBytes);
    const rows: BatchRow[] = [];
    let position = afterMetadata + 16;
    while (position < message.length) {
      const count = plainLongType.decode(message, position);
      const size = plainLongType.decode(message, count.offset);
      const start = size.offset;
      const end = start + Number(size.value);
      const compressed = message.subarray(start, end);
      const block = codecName === 'deflate' ? inflateRawSync(compressed) : compressed;
      let blockPosition = 0;
      for (let index = 0; index < Number(count.value); index++) {
        const decoded = rowType.decode(block, blockPosition);
        if (decoded.offset < 0) throw new Error('truncated block');
        blockPosition = decoded.offset;
        rows.push(
          renamed
            ? fromAvroRecord(decoded.value as Record<string, ExactValue>, batchSchema, fieldNames)
            : (decoded.value as BatchRow),
        );
      }
      position = end + 16;
    }
    return { schema: batchSchema, rows };
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
  readonly rowType: Type;
  readonly fieldNames: string[];
  readonly renamed: boolean;
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
    const fieldNames = avroFieldNames(batchSchema.columns);
    reader = {
      batchSchema,
      rowType: forSchema(JSON.parse(schemaBytes.toString('utf8')) as AvroSchemaJson),
      fieldNames,
      renamed: fieldNames.some((name, index) => name !== batchSchema.columns[index]?.name),
    };
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
