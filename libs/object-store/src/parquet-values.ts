// Exact conversions between Parquet's physical values and the text PostgreSQL and Redshift print
// for them, in both directions. Nothing goes through a JS Date or a float where the value is not a
// float: decimals stay unscaled integers, timestamps stay microseconds in a bigint, and the
// calendar is the proleptic Gregorian one both databases use (years before 1 print as "BC").

import { civilFromDays, daysFromCivil } from '@qupersync/contracts';

const microsPerSecond = 1_000_000n;
const microsPerDay = 86_400n * microsPerSecond;

/** An unscaled DECIMAL integer as text with exactly `scale` digits after the point. */
export function decimalText(unscaled: bigint, scale: number): string {
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString();
  if (scale === 0) return negative ? `-${digits}` : digits;
  const padded = digits.padStart(scale + 1, '0');
  const text = `${padded.slice(0, padded.length - scale)}.${padded.slice(padded.length - scale)}`;
  return negative ? `-${text}` : text;
}

/** Decimal text (as printed for a column of this scale, or with fewer digits) as an unscaled integer. */
export function unscaledDecimal(text: string, scale: number): bigint {
  const match = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(text.trim());
  if (match === null || (match[2] === '' && (match[3] ?? '') === ''))
    throw new RangeError(`"${text}" is not a decimal number`);
  const fraction = match[3] ?? '';
  if (fraction.length > scale && /[1-9]/.test(fraction.slice(scale)))
    throw new RangeError(`"${text}" has more than ${scale} digits after the point`);
  const unscaled = BigInt(`${match[2] ?? ''}${fraction.slice(0, scale).padEnd(scale, '0')}` || '0');
  return match[1] === '-' ? -unscaled : unscaled;
}

/** A two's-complement big-endian integer (DECIMAL in BYTE_ARRAY or FIXED_LEN_BYTE_ARRAY). */
export function bigEndianInteger(bytes: Uint8Array): bigint {
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  const first = bytes[0];
  if (first !== undefined && first >= 0x80) value -= 1n << BigInt(bytes.length * 8);
  return value;
}

/** `value` as `length` two's-complement big-endian bytes; throws when it does not fit. */
export function bigEndianBytes(value: bigint, length: number): Uint8Array {
  const limit = 1n << BigInt(length * 8 - 1);
  if (value >= limit || value < -limit) throw new RangeError(`${value} does not fit in ${length} bytes`);
  const bytes = new Uint8Array(length);
  let rest = value < 0n ? value + (1n << BigInt(length * 8)) : value;
  for (let index = length - 1; index >= 0; index--) {
    bytes[index] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  return bytes;
}

function two(value: number): string {
  return String(value).padStart(2, '0');
}

/** The date part as PostgreSQL prints it (ISO), and whether it is BC (year 0 is 1 BC). */
function datePart(days: number): { text: string; bc: boolean } {
  const { year, month, day } = civilFromDays(days);
  const bc = year <= 0;
  return { text: `${String(bc ? 1 - year : year).padStart(4, '0')}-${two(month)}-${two(day)}`, bc };
}

/** A DATE (days since 1970-01-01) as PostgreSQL and Redshift print it: 2024-01-31, 0044-03-15 BC. */
export function dateText(days: number): string {
  const { text, bc } = datePart(days);
  return bc ? `${text} BC` : text;
}

/** Microseconds of a day as HH:MM:SS[.ffffff], trailing zeros of the fraction dropped. */
export function timeText(micros: bigint): string {
  const seconds = Number(micros / microsPerSecond);
  const fraction = Number(micros % microsPerSecond);
  const clock = `${two(Math.floor(seconds / 3600))}:${two(Math.floor(seconds / 60) % 60)}:${two(seconds % 60)}`;
  return fraction === 0 ? clock : `${clock}.${String(fraction).padStart(6, '0').replace(/0+$/, '')}`;
}

/**
 * Microseconds since 1970-01-01 00:00 as a TIMESTAMP's text, or with `zoned` as a TIMESTAMPTZ's in
 * UTC (+00): the instant Parquet holds, whatever zone the source printed it in.
 */
export function timestampText(micros: bigint, zoned: boolean): string {
  let days = micros / microsPerDay;
  let rest = micros % microsPerDay;
  if (rest < 0n) {
    days -= 1n;
    rest += microsPerDay;
  }
  const { text, bc } = datePart(Number(days));
  return `${text} ${timeText(rest)}${zoned ? '+00' : ''}${bc ? ' BC' : ''}`;
}

const datePattern = /^(\d{4,})-(\d\d)-(\d\d)/;

/** Days since 1970-01-01 of a date PostgreSQL printed (ISO, optionally "BC"). */
export function daysOfDateText(text: string): number {
  const match = datePattern.exec(text);
  if (match === null) throw new RangeError(`"${text}" is not an ISO date`);
  const year = Number(match[1]);
  return daysFromCivil(text.endsWith(' BC') ? 1 - year : year, Number(match[2]), Number(match[3]));
}

/** Microseconds of HH:MM:SS[.ffffff]. */
export function microsOfTimeText(text: string): bigint {
  const match = /^(\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?/.exec(text);
  if (match === null) throw new RangeError(`"${text}" is not a time of day`);
  const seconds = BigInt(Number(match[1]) * 3600 + Number(match[2]) * 60 + Number(match[3]));
  return seconds * microsPerSecond + BigInt((match[4] ?? '').padEnd(6, '0'));
}

/**
 * Microseconds since the epoch of a timestamp PostgreSQL printed in ISO style:
 * `2024-01-01 00:00:04.000028`, with an optional zone offset (`+05:30`, `-08`) for timestamptz,
 * and " BC" at the end.
 */
export function microsOfTimestampText(text: string): bigint {
  const days = BigInt(daysOfDateText(text));
  const body = text.replace(/ BC$/, '');
  const space = body.indexOf(' ');
  if (space < 0) throw new RangeError(`"${text}" is not an ISO timestamp`);
  const clock = body.slice(space + 1);
  const zone = /([+-])(\d\d)(?::?(\d\d))?(?::?(\d\d))?$/.exec(clock);
  let offsetSeconds = 0n;
  if (zone !== null && clock.length - zone[0].length >= 8) {
    const seconds = Number(zone[2]) * 3600 + Number(zone[3] ?? 0) * 60 + Number(zone[4] ?? 0);
    offsetSeconds = BigInt(zone[1] === '-' ? -seconds : seconds);
  }
  const micros = days * microsPerDay + microsOfTimeText(clock) - offsetSeconds * microsPerSecond;
  if (micros > maxInt64 || micros < -maxInt64 - 1n)
    throw new RangeError(`"${text}" is outside what 64-bit microseconds since 1970 hold`);
  return micros;
}

const maxInt64 = (1n << 63n) - 1n;

/**
 * A FLOAT (32-bit) widened to a JS number, as the shortest decimal that reads back to the same
 * float: what PostgreSQL and Redshift print for a REAL, so 1.1 stays 1.1 and not 1.100000023841858.
 */
export function shortestFloat32(value: number): number {
  if (!Number.isFinite(value) || value === 0) return value;
  for (let digits = 1; digits <= 9; digits++) {
    const candidate = Number(value.toPrecision(digits));
    if (Math.fround(candidate) === value) return candidate;
  }
  return value;
}
