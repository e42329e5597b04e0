// Turns Data API field values into exact in-memory values by column kind, and exact values
// into PostgreSQL COPY text. Neither direction goes through a float or a JS Date.
import type { BatchColumn, ExactValue } from '@qupersync/contracts';

export type SourceFieldValue = string | number | boolean | Uint8Array | null;

export function toExactValue(value: SourceFieldValue, column: BatchColumn): ExactValue {
  if (value === null) return null;
  switch (column.kind) {
    case 'smallint':
    case 'integer':
      return typeof value === 'number' ? value : parseIntegerText(requireText(value, column), column);
    case 'bigint':
      if (typeof value === 'number') {
        if (!Number.isSafeInteger(value))
          throw new RangeError(`${column.name}: BIGINT arrived as an inexact number`);
        return BigInt(value);
      }
      return BigInt(requireText(value, column));
    case 'real':
    case 'double':
      return typeof value === 'number' ? value : requireParsed(parseFloatText, value, column, 'a number');
    case 'boolean':
      return typeof value === 'boolean' ? value : requireParsed(parseBooleanText, value, column, 'a boolean');
    case 'varbyte':
      if (value instanceof Uint8Array) return Buffer.from(value);
      return Buffer.from(requireText(value, column).replace(/^\\x/, ''), 'hex');
    case 'decimal':
    case 'text':
    case 'date':
    case 'timestamp':
    case 'timestamptz':
    case 'time':
    case 'timetz':
    case 'super':
      return typeof value === 'string' ? value : String(value);
  }
}

function requireParsed<Parsed>(
  parse: (text: string) => Parsed | undefined,
  value: SourceFieldValue,
  column: BatchColumn,
  what: string,
): Parsed {
  const text = requireText(value, column);
  const parsed = parse(text);
  if (parsed === undefined) throw new RangeError(`${column.name}: "${text}" is not ${what}`);
  return parsed;
}

function requireText(value: SourceFieldValue, column: BatchColumn): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new TypeError(`${column.name}: unexpected binary value for ${column.kind}`);
}

/** The spellings warehouses print for booleans; undefined for anything else (never a silent false). */
export function parseBooleanText(text: string): boolean | undefined {
  switch (text.toLowerCase()) {
    case 't':
    case 'true':
    case '1':
      return true;
    case 'f':
    case 'false':
    case '0':
      return false;
    default:
      return undefined;
  }
}

const floatText = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** A float as PostgreSQL and Redshift print one (NaN and infinities included); undefined otherwise. */
export function parseFloatText(text: string): number | undefined {
  switch (text) {
    case 'NaN':
      return Number.NaN;
    case 'Infinity':
      return Number.POSITIVE_INFINITY;
    case '-Infinity':
      return Number.NEGATIVE_INFINITY;
    default:
      return floatText.test(text) ? Number(text) : undefined;
  }
}

function parseIntegerText(text: string, column: BatchColumn): number {
  if (!/^[+-]?\d+$/.test(text)) throw new RangeError(`${column.name}: "${text}" is not an integer`);
  return Number(text);
}

/** One value in PostgreSQL COPY text format (tab-separated, \N for NULL). */
export function toCopyText(value: ExactValue): string {
  if (value === null) return '\\N';
  if (typeof value === 'string') return escapeCopyText(value);
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'NaN';
    if (value === Number.POSITIVE_INFINITY) return 'Infinity';
    if (value === Number.NEGATIVE_INFINITY) return '-Infinity';
    return Object.is(value, -0) ? '-0' : String(value);
  }
  if (typeof value === 'boolean') return value ? 't' : 'f';
  return `\\\\x${value.toString('hex')}`;
}

const copySpecial = /[\\\t\n\r]/;

function escapeCopyText(text: string): string {
  if (!copySpecial.test(text)) return text;
  return text.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}
