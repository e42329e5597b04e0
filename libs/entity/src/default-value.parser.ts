// Turns the text of a `default` rule into an exact value of the column's kind (a BIGINT default
// is a bigint, a DECIMAL default has the column's scale, a date is canonical), once, when the
// batch schema is known. A value the column cannot hold is an error naming the column.
import {
  formatDate,
  formatTimeMicros,
  formatTimestampMicros,
  formatUnscaledDecimal,
  parseDate,
  parseTimeMicros,
  parseTimestampMicros,
  parseUnscaledDecimal,
} from '@qupersync/contracts';
import type { BatchColumn, ExactValue } from '@qupersync/contracts';
import { parseBooleanText, parseFloatText } from './exact-value.converter';

const integerText = /^[+-]?\d+$/;
const decimalText = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;
const hexBytes = /^\\x((?:[0-9a-fA-F]{2})*)$/;

export function parseDefaultValue(text: string, column: BatchColumn): ExactValue {
  try {
    return parseForKind(text, column);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new RangeError(`default for column ${column.name} (${column.kind}): ${reason}`);
  }
}

function parseForKind(text: string, column: BatchColumn): ExactValue {
  const value = text.trim();
  switch (column.kind) {
    case 'smallint':
      return parseInteger(value, column, -32768n, 32767n);
    case 'integer':
      return parseInteger(value, column, -2147483648n, 2147483647n);
    case 'bigint':
      return BigInt(parseInteger(value, column, -(2n ** 63n), 2n ** 63n - 1n));
    case 'decimal': {
      if (!decimalText.test(value)) throw invalid(text, column);
      if (column.scale === null) return value;
      const unscaled = parseUnscaledDecimal(value, column.scale);
      const digits = (unscaled < 0n ? -unscaled : unscaled).toString().length;
      if (column.precision !== null && column.precision > 0 && digits > column.precision)
        throw invalid(text, column);
      return formatUnscaledDecimal(unscaled, column.scale);
    }
    case 'real':
    case 'double': {
      const parsed = parseFloatText(value);
      if (parsed === undefined) throw invalid(text, column);
      return parsed;
    }
    case 'boolean': {
      const parsed = parseBooleanText(value);
      if (parsed === undefined) throw invalid(text, column);
      return parsed;
    }
    case 'text': {
      // The text is kept as written (spaces too); only its length is checked against varchar(n).
      const length = column.precision !== null && column.precision > 0 ? column.precision : null;
      if (length !== null && [...text].length > length) throw invalid(text, column);
      return text;
    }
    case 'date':
      return formatDate(parseDate(value));
    case 'timestamp':
      return formatTimestampMicros(parseTimestampMicros(value), false);
    case 'timestamptz':
      return formatTimestampMicros(parseTimestampMicros(value), true);
    case 'time':
      return formatTimeMicros(parseTimeMicros(value));
    case 'timetz':
      return value;
    case 'super':
      try {
        JSON.parse(value);
      } catch {
        throw invalid(text, column);
      }
      return value;
    case 'varbyte': {
      const match = hexBytes.exec(value);
      if (match === null) throw invalid(text, column);
      return Buffer.from(match[1] ?? '', 'hex');
    }
  }
}

function parseInteger(value: string, column: BatchColumn, min: bigint, max: bigint): number | bigint {
  if (!integerText.test(value)) throw invalid(value, column);
  const parsed = BigInt(value);
  if (parsed < min || parsed > max) throw invalid(value, column);
  return column.kind === 'bigint' ? parsed : Number(parsed);
}

function invalid(text: string, column: BatchColumn): RangeError {
  return new RangeError(`"${text}" is not a valid ${column.kind} value`);
}
