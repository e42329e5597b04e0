// The hot path of every data batch: rows to Avro binary and back, for the record layout QuperSync
// writes (each field a ['null', T] union, with the exact logical types of batch-container.codec).
// avsc costs a BigInt, an 8-byte Buffer and a regex per timestamp, and a hex round trip per
// decimal; here values that fit in a double's 53 bits take plain Number arithmetic and only the
// rest (BIGINT, timestamps beyond 2255, decimals over 14 digits) fall back to BigInt. The bytes are
// exactly avsc's (the spec checks both directions), so any Avro reader still decodes a batch.
import type { BatchColumn, BatchRow, ColumnKind, ExactValue } from './batch-schema';
import {
  bigintToTwosComplement,
  formatUnscaledDecimal,
  parseUnscaledDecimal,
  twosComplementToBigint,
} from './exact-decimal.codec';
import {
  civilFromDays,
  daysFromCivil,
  formatTimestampMicros,
  parseDate,
  parseTimeMicros,
  parseTimestampMicros,
} from './exact-temporal.codec';

/** A value that does not fit its column: the caller turns it into a ROW_INVALID error. */
export class AvroValueError extends Error {}

const twoTo31 = 2 ** 31;
/** Zigzag doubles a value, so only magnitudes below 2^52 stay exact in a double. */
const numberLongLimit = 2 ** 52;
const microsPerDay = 86_400_000_000;
const minLong = -(1n << 63n);
const maxLong = (1n << 63n) - 1n;

/** Appends Avro binary to one growing buffer, reused from batch to batch. */
export class AvroWriter {
  buffer: Buffer;
  position = 0;

  constructor(initialBytes = 1 << 16) {
    this.buffer = Buffer.allocUnsafe(initialBytes);
  }

  reset(): void {
    this.position = 0;
  }

  ensure(bytes: number): void {
    if (this.position + bytes <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.position + bytes));
    this.buffer.copy(grown, 0, 0, this.position);
    this.buffer = grown;
  }

  /** A long that is a safe integer of magnitude below 2^52 (callers check). */
  writeLong(value: number): void {
    this.ensure(10);
    let zigzag = value >= 0 ? value * 2 : -value * 2 - 1;
    const buffer = this.buffer;
    let position = this.position;
    if (zigzag < twoTo31) {
      while (zigzag > 0x7f) {
        buffer[position++] = (zigzag & 0x7f) | 0x80;
        zigzag >>>= 7;
      }
    } else {
      while (zigzag > 0x7f) {
        buffer[position++] = (zigzag % 128) | 0x80;
        zigzag = Math.floor(zigzag / 128);
      }
    }
    buffer[position++] = zigzag;
    this.position = position;
  }

  writeBigLong(value: bigint): void {
    if (value < minLong || value > maxLong) throw new AvroValueError(`${value} does not fit in 64 bits`);
    if (value > -numberLongLimit && value < numberLongLimit) {
      this.writeLong(Number(value));
      return;
    }
    this.ensure(10);
    let zigzag = value >= 0n ? value << 1n : (-value << 1n) - 1n;
    while (zigzag > 0x7fn) {
      this.buffer[this.position++] = Number(zigzag & 0x7fn) | 0x80;
      zigzag >>= 7n;
    }
    this.buffer[this.position++] = Number(zigzag);
  }

  writeFloat(value: number): void {
    this.ensure(4);
    this.buffer.writeFloatLE(value, this.position);
    this.position += 4;
  }

  writeDouble(value: number): void {
    this.ensure(8);
    this.buffer.writeDoubleLE(value, this.position);
    this.position += 8;
  }

  writeBoolean(value: boolean): void {
    this.ensure(1);
    this.buffer[this.position++] = value ? 1 : 0;
  }

  writeString(text: string): void {
    // Short ASCII text (most keys, codes, labels) needs no byte count: its length is its size.
    const length = text.length < 64 && isAscii(text) ? text.length : Buffer.byteLength(text, 'utf8');
    this.writeLong(length);
    this.ensure(length);
    this.position += this.buffer.write(text, this.position, length, 'utf8');
  }

  writeBytes(bytes: Uint8Array): void {
    this.writeLong(bytes.length);
    this.ensure(bytes.length);
    this.buffer.set(bytes, this.position);
    this.position += bytes.length;
  }
}

function isAscii(text: string): boolean {
  for (let index = 0; index < text.length; index++) if (text.charCodeAt(index) > 0x7f) return false;
  return true;
}

/** Reads Avro binary from one block. Every read checks the block's end. */
export class AvroReader {
  position: number;

  constructor(
    readonly buffer: Buffer,
    start: number,
    readonly end: number,
  ) {
    this.position = start;
  }

  /** A long as a Number when it is below 2^52 in magnitude, else as a bigint. */
  readLong(): number | bigint {
    const buffer = this.buffer;
    let position = this.position;
    let zigzag = 0;
    let scale = 1;
    for (let index = 0; index < 7; index++) {
      if (position >= this.end) throw new AvroValueError('truncated long');
      const byte = buffer[position++] ?? 0;
      zigzag += (byte & 0x7f) * scale;
      if (byte < 0x80) {
        this.position = position;
        return zigzag % 2 === 0 ? zigzag / 2 : -(zigzag + 1) / 2;
      }
      scale *= 128;
    }
    // Eight or more bytes: finish in BigInt (up to ten bytes for 64 bits).
    let big = BigInt(zigzag);
    let shift = 49n;
    for (let index = 7; index < 10; index++) {
      if (position >= this.end) throw new AvroValueError('truncated long');
      const byte = buffer[position++] ?? 0;
      big |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) {
        this.position = position;
        const value = (big & 1n) === 0n ? big >> 1n : -((big + 1n) >> 1n);
        return value > -numberLongLimit && value < numberLongLimit ? Number(value) : value;
      }
      shift += 7n;
    }
    throw new AvroValueError('a long longer than ten bytes');
  }

  readInteger(): number {
    const value = this.readLong();
    if (typeof value !== 'number' || value < -twoTo31 || value >= twoTo31)
      throw new AvroValueError(`int out of range: ${value}`);
    return value;
  }

  readLength(): number {
    const length = this.readLong();
    if (typeof length !== 'number' || length < 0 || this.position + length > this.end)
      throw new AvroValueError(`invalid length ${length}`);
    return length;
  }

  readFloat(): number {
    this.require(4);
    const value = this.buffer.readFloatLE(this.position);
    this.position += 4;
    return value;
  }

  readDouble(): number {
    this.require(8);
    const value = this.buffer.readDoubleLE(this.position);
    this.position += 8;
    return value;
  }

  readBoolean(): boolean {
    this.require(1);
    const byte = this.buffer[this.position++];
    if (byte !== 0 && byte !== 1) throw new AvroValueError(`invalid boolean byte ${byte}`);
    return byte === 1;
  }

  readString(): string {
    const length = this.readLength();
    const text = this.buffer.toString('utf8', this.position, this.position + length);
    this.position += length;
    return text;
  }

  /** A view into the block (no copy); callers that keep the bytes copy them. */
  readBytesView(): Buffer {
    const length = this.readLength();
    const bytes = this.buffer.subarray(this.position, this.position + length);
    this.position += length;
    return bytes;
  }

  private require(bytes: number): void {
    if (this.position + bytes > this.end) throw new AvroValueError('truncated value');
  }
}

type ValueWriter = (writer: AvroWriter, value: Exclude<ExactValue, null>) => void;
type ValueReader = (reader: AvroReader) => ExactValue;

interface ColumnCodec {
  readonly name: string;
  readonly write: ValueWriter;
  readonly read: ValueReader;
}

/** Encodes and decodes rows of one batch schema; compile once per schema. */
export class AvroRowCodec {
  private readonly columns: readonly ColumnCodec[];

  constructor(columns: readonly BatchColumn[]) {
    this.columns = columns.map((column) => ({
      name: column.name,
      write: valueWriter(column),
      read: valueReader(column),
    }));
  }

  /** Appends one row; a value that does not fit its column throws AvroValueError naming it. */
  write(writer: AvroWriter, row: BatchRow): void {
    for (const column of this.columns) this.writeValue(writer, column, row[column.name] ?? null);
  }

  /** Appends one row given as its values in column order (no row object needed). */
  writeValues(writer: AvroWriter, values: readonly ExactValue[]): void {
    const columns = this.columns;
    for (let index = 0; index < columns.length; index++) {
      const column = columns[index];
      if (column !== undefined) this.writeValue(writer, column, values[index] ?? null);
    }
  }

  private writeValue(writer: AvroWriter, column: ColumnCodec, value: ExactValue): void {
    writer.ensure(1);
    if (value === null) {
      writer.buffer[writer.position++] = 0;
      return;
    }
    writer.buffer[writer.position++] = 2; // union branch 1, zigzag-encoded
    try {
      column.write(writer, value);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new AvroValueError(`${column.name}: ${reason} (value ${describeValue(value)})`);
    }
  }

  read(reader: AvroReader): BatchRow {
    const row: BatchRow = {};
    for (const column of this.columns) {
      const branch = reader.readLong();
      if (branch === 0) row[column.name] = null;
      else if (branch === 1) row[column.name] = column.read(reader);
      else throw new AvroValueError(`${column.name}: invalid union branch ${branch}`);
    }
    return row;
  }
}

function describeValue(value: Exclude<ExactValue, null>): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
  if (typeof value === 'bigint') return `${value}n`;
  if (Buffer.isBuffer(value)) return `<${value.length} bytes>`;
  return String(value);
}

function decimalScaleOf(column: BatchColumn): number | null {
  return column.precision !== null && column.precision > 0 && column.scale !== null ? column.scale : null;
}

function valueWriter(column: BatchColumn): ValueWriter {
  const kind: ColumnKind = column.kind;
  switch (kind) {
    case 'smallint':
    case 'integer':
      return (writer, value) => {
        if (typeof value !== 'number' || !Number.isInteger(value) || value < -twoTo31 || value >= twoTo31)
          throw new AvroValueError('not a 32-bit integer');
        writer.writeLong(value);
      };
    case 'bigint':
      return (writer, value) => {
        if (typeof value === 'bigint') writer.writeBigLong(value);
        else if (typeof value === 'number' && Number.isSafeInteger(value)) {
          if (value > -numberLongLimit && value < numberLongLimit) writer.writeLong(value);
          else writer.writeBigLong(BigInt(value));
        } else throw new AvroValueError('not a 64-bit integer');
      };
    case 'decimal': {
      const scale = decimalScaleOf(column);
      if (scale === null) return writeText;
      return (writer, value) => {
        if (typeof value !== 'string') throw new AvroValueError('a decimal must be a string');
        writeDecimal(writer, value, scale);
      };
    }
    case 'real':
      return (writer, value) => {
        if (typeof value !== 'number') throw new AvroValueError('not a number');
        writer.writeFloat(value);
      };
    case 'double':
      return (writer, value) => {
        if (typeof value !== 'number') throw new AvroValueError('not a number');
        writer.writeDouble(value);
      };
    case 'boolean':
      return (writer, value) => {
        if (typeof value !== 'boolean') throw new AvroValueError('not a boolean');
        writer.writeBoolean(value);
      };
    case 'text':
    case 'timetz':
    case 'super':
      return writeText;
    case 'date':
      return (writer, value) => {
        if (typeof value !== 'string') throw new AvroValueError('a date must be a string');
        writer.writeLong(parseDate(value));
      };
    case 'timestamp':
    case 'timestamptz':
      return (writer, value) => {
        if (typeof value !== 'string') throw new AvroValueError('a timestamp must be a string');
        writeMicros(writer, fastTimestampMicros(value) ?? parseTimestampMicros(value));
      };
    case 'time':
      return (writer, value) => {
        if (typeof value !== 'string') throw new AvroValueError('a time must be a string');
        writer.writeLong(Number(parseTimeMicros(value)));
      };
    case 'varbyte':
      return (writer, value) => {
        if (!(value instanceof Uint8Array)) throw new AvroValueError('not bytes');
        writer.writeBytes(value);
      };
  }
}

const writeText: ValueWriter = (writer, value) => {
  if (typeof value !== 'string') throw new AvroValueError('not a string');
  writer.writeString(value);
};

function writeMicros(writer: AvroWriter, micros: number | bigint): void {
  // The fast parser's numbers are exact integers below 2^53; zigzag needs them below 2^52.
  if (typeof micros === 'number' && micros > -numberLongLimit && micros < numberLongLimit)
    writer.writeLong(micros);
  else writer.writeBigLong(typeof micros === 'number' ? BigInt(micros) : micros);
}

function valueReader(column: BatchColumn): ValueReader {
  const kind: ColumnKind = column.kind;
  switch (kind) {
    case 'smallint':
    case 'integer':
      return (reader) => reader.readInteger();
    case 'bigint':
      return (reader) => {
        const value = reader.readLong();
        return typeof value === 'bigint' ? value : BigInt(value);
      };
    case 'decimal': {
      const scale = decimalScaleOf(column);
      if (scale === null) return (reader) => reader.readString();
      return (reader) => readDecimal(reader.readBytesView(), scale);
    }
    case 'real':
      return (reader) => reader.readFloat();
    case 'double':
      return (reader) => reader.readDouble();
    case 'boolean':
      return (reader) => reader.readBoolean();
    case 'text':
    case 'timetz':
    case 'super':
      return (reader) => reader.readString();
    case 'date':
      return (reader) => formatDays(reader.readInteger());
    case 'timestamp':
      return (reader) => formatMicros(reader.readLong(), false);
    case 'timestamptz':
      return (reader) => formatMicros(reader.readLong(), true);
    case 'time':
      return (reader) => {
        const micros = reader.readLong();
        if (typeof micros !== 'number' || micros < 0 || micros > microsPerDay)
          throw new AvroValueError(`time out of range: ${micros}`);
        return formatTimeOfDay(micros);
      };
    case 'varbyte':
      return (reader) => Buffer.from(reader.readBytesView());
  }
}

// --- PostgreSQL COPY text, straight from Avro ------------------------------------------------

/** The smallest and largest value of a column, as read (numbers below 2^52, else bigints). */
export interface ColumnRange {
  readonly low: number | bigint;
  readonly high: number | bigint;
}

type CopyTextWriter = (reader: AvroReader, out: AvroWriter) => void;

const tab = 9;
const newline = 10;
const backslash = 92;

/**
 * Turns a block of Avro rows into PostgreSQL COPY text (tab-separated, `\N` for NULL, one line
 * per row), the text `toCopyText` makes of the decoded values, without decoding a row into an
 * object or a text value into a JavaScript string: the loader's COPY payload at a fraction of
 * the CPU. Text is copied as UTF-8 bytes, escaped byte by byte (a backslash, tab, newline or
 * carriage return never occurs inside a multi-byte UTF-8 sequence).
 */
export class AvroCopyTextWriter {
  private readonly writers: readonly CopyTextWriter[];
  private readonly names: readonly string[];

  /** `rangeColumn`: the index of an integer column whose range to track (the first key), or -1. */
  constructor(
    columns: readonly BatchColumn[],
    private readonly rangeColumn = -1,
  ) {
    this.writers = columns.map(copyTextWriter);
    this.names = columns.map((column) => column.name);
  }

  /**
   * Appends `count` rows read from `reader` to `out`. Returns the tracked column's range over
   * them (merged into `range`), or null when it held a NULL or a non-integer.
   */
  writeRows(
    reader: AvroReader,
    count: number,
    out: AvroWriter,
    range: ColumnRange | null | undefined,
  ): ColumnRange | null | undefined {
    const writers = this.writers;
    const tracked = this.rangeColumn;
    let low = range?.low;
    let high = range?.high;
    let rangeLost = range === null;
    for (let row = 0; row < count; row++) {
      for (let index = 0; index < writers.length; index++) {
        if (index > 0) {
          out.ensure(1);
          out.buffer[out.position++] = tab;
        }
        const branch = reader.readLong();
        if (branch === 0) {
          out.ensure(2);
          out.buffer[out.position++] = backslash;
          out.buffer[out.position++] = 78; // N
          if (index === tracked) rangeLost = true;
          continue;
        }
        if (branch !== 1)
          throw new AvroValueError(`${this.names[index] ?? index}: invalid union branch ${branch}`);
        if (index === tracked && !rangeLost) {
          const start = reader.position;
          const value = reader.readLong();
          reader.position = start;
          if (low === undefined || value < low) low = value;
          if (high === undefined || value > high) high = value;
        }
        (writers[index] ?? missingWriter)(reader, out);
      }
      out.ensure(1);
      out.buffer[out.position++] = newline;
    }
    if (rangeLost) return null;
    return low === undefined || high === undefined ? undefined : { low, high };
  }
}

const missingWriter: CopyTextWriter = () => {
  throw new AvroValueError('no writer for the column');
};

function copyTextWriter(column: BatchColumn): CopyTextWriter {
  const kind: ColumnKind = column.kind;
  switch (kind) {
    case 'smallint':
    case 'integer':
      return (reader, out) => writeAscii(out, String(reader.readInteger()));
    case 'bigint':
      return (reader, out) => writeAscii(out, String(reader.readLong()));
    case 'decimal': {
      const scale = decimalScaleOf(column);
      if (scale === null) return copyText;
      return (reader, out) => {
        const length = reader.readLength();
        const start = reader.position;
        reader.position += length;
        writeAscii(out, readDecimalAt(reader.buffer, start, length, scale));
      };
    }
    case 'real':
      return (reader, out) => writeAscii(out, numberCopyText(reader.readFloat()));
    case 'double':
      return (reader, out) => writeAscii(out, numberCopyText(reader.readDouble()));
    case 'boolean':
      return (reader, out) => writeAscii(out, reader.readBoolean() ? 't' : 'f');
    case 'text':
    case 'timetz':
    case 'super':
      return copyText;
    case 'date':
      return (reader, out) => {
        const days = reader.readInteger();
        if (!writeDateDigits(out, days)) writeAscii(out, formatDays(days));
      };
    case 'timestamp':
      return (reader, out) => writeTimestamp(out, reader.readLong(), false);
    case 'timestamptz':
      return (reader, out) => writeTimestamp(out, reader.readLong(), true);
    case 'time':
      return (reader, out) => {
        const micros = reader.readLong();
        if (typeof micros !== 'number' || micros < 0 || micros > microsPerDay)
          throw new AvroValueError(`time out of range: ${micros}`);
        writeAscii(out, formatTimeOfDay(micros));
      };
    case 'varbyte':
      return (reader, out) => {
        // bytea's hex input, its backslash escaped for COPY: \\x0aff
        const bytes = reader.readBytesView();
        writeAscii(out, '\\\\x');
        out.ensure(bytes.length * 2);
        out.position += out.buffer.write(bytes.toString('hex'), out.position, 'latin1');
      };
  }
}

/** A number as toCopyText writes it: PostgreSQL's spellings of NaN and the infinities, and -0. */
function numberCopyText(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return 'Infinity';
  if (value === Number.NEGATIVE_INFINITY) return '-Infinity';
  return Object.is(value, -0) ? '-0' : String(value);
}

/**
 * A timestamp as formatMicros prints it, its digits written straight into `out` for years 1 to
 * 9999 (no string built); formatMicros itself for the rest.
 */
function writeTimestamp(out: AvroWriter, micros: number | bigint, withUtcOffset: boolean): void {
  if (typeof micros === 'number') {
    const days = Math.floor(micros / microsPerDay);
    const start = out.position;
    if (writeDateDigits(out, days)) {
      let ofDay = micros - days * microsPerDay;
      out.ensure(19);
      const buffer = out.buffer;
      let position = out.position;
      const fraction = ofDay % 1_000_000;
      ofDay = (ofDay - fraction) / 1_000_000;
      const seconds = ofDay % 60;
      ofDay = (ofDay - seconds) / 60;
      const minutes = ofDay % 60;
      const hours = (ofDay - minutes) / 60;
      buffer[position++] = 32; // space
      position = writeTwoDigits(buffer, position, hours);
      buffer[position++] = 58; // :
      position = writeTwoDigits(buffer, position, minutes);
      buffer[position++] = 58;
      position = writeTwoDigits(buffer, position, seconds);
      buffer[position++] = 46; // .
      let divisor = 100_000;
      for (let digit = 0; digit < 6; digit++) {
        buffer[position++] = 48 + (Math.floor(fraction / divisor) % 10);
        divisor /= 10;
      }
      if (withUtcOffset) {
        buffer[position++] = 43; // +
        buffer[position++] = 48;
        buffer[position++] = 48;
      }
      out.position = position;
      return;
    }
    out.position = start;
  }
  writeAscii(out, formatMicros(micros, withUtcOffset));
}

/** "YYYY-MM-DD" of `days` since 1970-01-01 into `out`; false (nothing written) outside years 1–9999. */
function writeDateDigits(out: AvroWriter, days: number): boolean {
  const { year, month, day } = civilFromDays(days);
  if (year < 1 || year > 9999) return false;
  out.ensure(10);
  const buffer = out.buffer;
  let position = out.position;
  buffer[position++] = 48 + Math.floor(year / 1000);
  buffer[position++] = 48 + (Math.floor(year / 100) % 10);
  position = writeTwoDigits(buffer, position, year % 100);
  buffer[position++] = 45; // -
  position = writeTwoDigits(buffer, position, month);
  buffer[position++] = 45;
  position = writeTwoDigits(buffer, position, day);
  out.position = position;
  return true;
}

function writeTwoDigits(buffer: Buffer, position: number, value: number): number {
  buffer[position] = 48 + Math.floor(value / 10);
  buffer[position + 1] = 48 + (value % 10);
  return position + 2;
}

function writeAscii(out: AvroWriter, text: string): void {
  const length = text.length;
  out.ensure(length);
  const buffer = out.buffer;
  let position = out.position;
  for (let index = 0; index < length; index++) buffer[position++] = text.charCodeAt(index);
  out.position = position;
}

/** An Avro string's UTF-8 bytes as COPY text: backslash, tab, newline and return escaped. */
const copyText: CopyTextWriter = (reader, out) => {
  const length = reader.readLength();
  const source = reader.buffer;
  const start = reader.position;
  const end = start + length;
  reader.position = end;
  if (length > 64) {
    // Long text: one native copy when nothing needs escaping.
    let special = false;
    for (let index = start; index < end; index++) {
      const byte = source[index] ?? 0;
      if (byte === backslash || byte === tab || byte === newline || byte === 13) {
        special = true;
        break;
      }
    }
    if (!special) {
      out.ensure(length);
      source.copy(out.buffer, out.position, start, end);
      out.position += length;
      return;
    }
  }
  // Short text (most): a native call per value costs more than copying its bytes here.
  out.ensure(length * 2);
  const buffer = out.buffer;
  let position = out.position;
  for (let index = start; index < end; index++) {
    const byte = source[index] ?? 0;
    if (byte === backslash) {
      buffer[position++] = backslash;
      buffer[position++] = backslash;
    } else if (byte === tab) {
      buffer[position++] = backslash;
      buffer[position++] = 116; // t
    } else if (byte === newline) {
      buffer[position++] = backslash;
      buffer[position++] = 110; // n
    } else if (byte === 13) {
      buffer[position++] = backslash;
      buffer[position++] = 114; // r
    } else buffer[position++] = byte;
  }
  out.position = position;
};

// --- decimals -------------------------------------------------------------------------------

/** Unscaled values up to 14 digits fit the 6 bytes Buffer#writeIntBE handles (< 2^47). */
const maxFastDecimalDigits = 14;

function writeDecimal(writer: AvroWriter, text: string, scale: number): void {
  const unscaled = fastUnscaled(text, scale);
  if (unscaled === undefined) {
    if (!writeMediumDecimal(writer, text, scale))
      writer.writeBytes(bigintToTwosComplement(parseUnscaledDecimal(text, scale)));
    return;
  }
  const length = twosComplementLength(unscaled);
  writer.writeLong(length);
  writer.ensure(length);
  writer.buffer.writeIntBE(unscaled, writer.position, length);
  writer.position += length;
}

/**
 * The unscaled value of a plain decimal text ("-12.34", "7", ".5") at `scale` as a Number, or
 * undefined when the text needs the exact BigInt path (more digits, exponent, surplus places).
 */
function fastUnscaled(text: string, scale: number): number | undefined {
  let index = 0;
  let negative = false;
  const first = text.charCodeAt(0);
  if (first === 45 /* - */ || first === 43 /* + */) {
    negative = first === 45;
    index = 1;
  }
  let value = 0;
  let digits = 0;
  let fraction = -1; // digits seen after the point; -1 before it
  let sawDigit = false;
  for (; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code === 46 /* . */) {
      if (fraction >= 0) return undefined;
      fraction = 0;
      continue;
    }
    if (code < 48 || code > 57) return undefined;
    sawDigit = true;
    if (fraction >= 0) {
      if (fraction === scale) return undefined; // surplus places: the exact path decides
      fraction++;
    }
    if (value !== 0 || code !== 48) digits++;
    if (digits > maxFastDecimalDigits) return undefined;
    value = value * 10 + (code - 48);
  }
  if (!sawDigit) return undefined;
  const places = fraction < 0 ? 0 : fraction;
  for (let pad = places; pad < scale; pad++) {
    value *= 10;
    if (value !== 0) digits++;
    if (digits > maxFastDecimalDigits) return undefined;
  }
  return negative && value !== 0 ? -value : value;
}

/** Up to 28 significant digits (below 2^93) fit the 12 bytes of four base-2^24 limbs. */
const maxMediumDecimalDigits = 28;
const limbBase = 2 ** 24;
/** Scratch for writeMediumDecimal (synchronous, so one per process is enough). */
const mediumDecimalBytes = Buffer.alloc(12);

/**
 * writeDecimal for texts of 15 to 28 digits, without BigInt: the digits accumulate in four
 * base-2^24 limbs, whose 12 bytes become the shortest two's complement. False, with nothing
 * written, for a text fastUnscaled's grammar refuses or a longer one: the exact path decides.
 */
function writeMediumDecimal(writer: AvroWriter, text: string, scale: number): boolean {
  let index = 0;
  let negative = false;
  const first = text.charCodeAt(0);
  if (first === 45 /* - */ || first === 43 /* + */) {
    negative = first === 45;
    index = 1;
  }
  const limbs = [0, 0, 0, 0];
  let digits = 0;
  let fraction = -1;
  let sawDigit = false;
  for (; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code === 46 /* . */) {
      if (fraction >= 0) return false;
      fraction = 0;
      continue;
    }
    if (code < 48 || code > 57) return false;
    sawDigit = true;
    if (fraction >= 0) {
      if (fraction === scale) return false;
      fraction++;
    }
    if (digits > 0 || code !== 48) digits++;
    if (digits > maxMediumDecimalDigits) return false;
    multiplyAdd(limbs, code - 48);
  }
  if (!sawDigit) return false;
  for (let pad = fraction < 0 ? 0 : fraction; pad < scale; pad++) {
    if (digits > 0) digits++;
    if (digits > maxMediumDecimalDigits) return false;
    multiplyAdd(limbs, 0);
  }
  const bytes = mediumDecimalBytes;
  for (let limb = 0; limb < 4; limb++) {
    const value = limbs[limb] ?? 0;
    bytes[limb * 3] = value >>> 16;
    bytes[limb * 3 + 1] = (value >>> 8) & 0xff;
    bytes[limb * 3 + 2] = value & 0xff;
  }
  const isNegative = negative && digits > 0;
  if (isNegative) {
    // Two's complement: invert every bit, then add one.
    let carry = 1;
    for (let position = 11; position >= 0; position--) {
      const value = 255 - (bytes[position] ?? 0) + carry;
      bytes[position] = value & 0xff;
      carry = value > 255 ? 1 : 0;
    }
  }
  // The shortest form: drop a leading byte that only repeats the sign of the next one.
  const fill = isNegative ? 0xff : 0x00;
  let start = 0;
  while (start < 11 && bytes[start] === fill && ((bytes[start + 1] ?? 0) & 0x80) === (fill & 0x80)) start++;
  const length = 12 - start;
  writer.writeLong(length);
  writer.ensure(length);
  bytes.copy(writer.buffer, writer.position, start, 12);
  writer.position += length;
  return true;
}

/** limbs (base 2^24, most significant first) := limbs * 10 + digit. */
function multiplyAdd(limbs: number[], digit: number): void {
  let carry = digit;
  for (let limb = 3; limb >= 0; limb--) {
    const value = (limbs[limb] ?? 0) * 10 + carry;
    carry = Math.floor(value / limbBase);
    limbs[limb] = value - carry * limbBase;
  }
}

function twosComplementLength(value: number): number {
  let length = 1;
  let limit = 128; // 2^(8*length - 1)
  while (value < -limit || value >= limit) {
    length++;
    limit *= 256;
  }
  return length;
}

function readDecimal(bytes: Buffer, scale: number): string {
  return readDecimalAt(bytes, 0, bytes.length, scale);
}

const twoTo48 = 2 ** 48;

/** The decimal text of the two's complement `buffer[start, start + length)` at `scale`. */
function readDecimalAt(buffer: Buffer, start: number, length: number, scale: number): string {
  if (length === 0) return formatUnscaledDecimal(0n, scale);
  if (length <= 6) return formatUnscaled(buffer.readIntBE(start, length), scale);
  if (length <= 12) {
    // Two exact halves: the signed high bytes and the unsigned low six (what BigInt needs least of).
    const high = buffer.readIntBE(start, length - 6);
    const low = buffer.readUIntBE(start + length - 6, 6);
    const unscaled = high * twoTo48 + low;
    if (Number.isSafeInteger(unscaled)) return formatUnscaled(unscaled, scale);
    return formatHalves(high, low, scale);
  }
  return formatUnscaledDecimal(twosComplementToBigint(buffer.subarray(start, start + length)), scale);
}

const twoTo24 = 2 ** 24;

/**
 * The decimal text of high * 2^48 + low (high signed, below 2^47 in magnitude; 0 <= low < 2^48) at
 * `scale`, without BigInt: the magnitude as four base-2^24 limbs, divided by 10^7 until zero.
 */
function formatHalves(high: number, low: number, scale: number): string {
  const negative = high < 0;
  let magnitudeHigh = high;
  let magnitudeLow = low;
  if (negative) {
    magnitudeHigh = low > 0 ? -high - 1 : -high;
    magnitudeLow = low > 0 ? twoTo48 - low : 0;
  }
  const limbs = [
    Math.floor(magnitudeHigh / twoTo24),
    magnitudeHigh % twoTo24,
    Math.floor(magnitudeLow / twoTo24),
    magnitudeLow % twoTo24,
  ];
  let digits = '';
  for (;;) {
    let remainder = 0;
    let zero = true;
    for (let index = 0; index < 4; index++) {
      const current = remainder * twoTo24 + (limbs[index] ?? 0);
      const quotient = Math.floor(current / 10_000_000);
      remainder = current - quotient * 10_000_000;
      limbs[index] = quotient;
      if (quotient !== 0) zero = false;
    }
    digits = zero ? `${remainder}${digits}` : `${String(remainder).padStart(7, '0')}${digits}`;
    if (zero) break;
  }
  const padded = digits.padStart(scale + 1, '0');
  const text =
    scale === 0 ? padded : `${padded.slice(0, padded.length - scale)}.${padded.slice(padded.length - scale)}`;
  return negative ? `-${text}` : text;
}

function formatUnscaled(unscaled: number, scale: number): string {
  const negative = unscaled < 0;
  const digits = String(negative ? -unscaled : unscaled).padStart(scale + 1, '0');
  const text =
    scale === 0 ? digits : `${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`;
  return negative ? `-${text}` : text;
}

// --- dates and times ------------------------------------------------------------------------

/**
 * "YYYY-MM-DD HH:MM:SS[.ffffff]" (no offset, or "+00"/"Z") as microseconds, for years whose
 * microseconds stay below 2^52; anything else returns undefined for the exact parser.
 */
function fastTimestampMicros(text: string): number | undefined {
  const length = text.length;
  if (length < 19 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45) return undefined;
  const separator = text.charCodeAt(10);
  if (separator !== 32 && separator !== 84) return undefined;
  if (text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58) return undefined;
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 2);
  const day = digitsAt(text, 8, 2);
  const hours = digitsAt(text, 11, 2);
  const minutes = digitsAt(text, 14, 2);
  const seconds = digitsAt(text, 17, 2);
  if (year < 1700 || year > 2200 || month < 1 || month > 12 || day < 1 || day > 28 + 3) return undefined;
  if (hours > 23 || minutes > 59 || seconds > 59) return undefined;
  let index = 19;
  let fraction = 0;
  if (index < length && text.charCodeAt(index) === 46) {
    index++;
    let places = 0;
    while (index < length && places < 6) {
      const code = text.charCodeAt(index);
      if (code < 48 || code > 57) break;
      fraction = fraction * 10 + (code - 48);
      places++;
      index++;
    }
    if (places === 0) return undefined;
    for (; places < 6; places++) fraction *= 10;
  }
  // Only a UTC offset spelled "+00" or "Z" (what timestamptz values carry here) stays on this path.
  const rest = text.slice(index);
  if (rest !== '' && rest !== '+00' && rest !== 'Z' && rest !== '+00:00') return undefined;
  if (day > daysInMonth(year, month)) return undefined;
  const days = daysFromCivil(year, month, day);
  return days * microsPerDay + (hours * 3600 + minutes * 60 + seconds) * 1_000_000 + fraction;
}

function digitsAt(text: string, start: number, count: number): number {
  let value = 0;
  for (let index = start; index < start + count; index++) {
    const code = text.charCodeAt(index);
    if (code < 48 || code > 57) return -1_000_000;
    value = value * 10 + (code - 48);
  }
  return value;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

function formatMicros(micros: number | bigint, withUtcOffset: boolean): string {
  if (typeof micros === 'bigint') return formatTimestampMicros(micros, withUtcOffset);
  const days = Math.floor(micros / microsPerDay);
  const ofDay = micros - days * microsPerDay;
  const text = `${formatDays(days)} ${formatTimeOfDay(ofDay)}`;
  return withUtcOffset ? `${text}+00` : text;
}

function formatDays(days: number): string {
  const { year, month, day } = civilFromDays(days);
  return `${pad4(year)}-${pad2(month)}-${pad2(day)}`;
}

function formatTimeOfDay(micros: number): string {
  const totalSeconds = Math.floor(micros / 1_000_000);
  const fraction = micros - totalSeconds * 1_000_000;
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  return `${pad2(hours)}:${pad2(minutes)}:${pad2(seconds)}.${String(fraction).padStart(6, '0')}`;
}

function pad2(value: number): string {
  return value < 10 ? `0${value}` : String(value);
}

function pad4(value: number): string {
  return String(value).padStart(4, '0');
}
