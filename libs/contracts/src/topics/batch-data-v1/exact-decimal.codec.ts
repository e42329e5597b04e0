// DECIMAL values keep every digit: the canonical string form ("-12.3400" at scale 4) converts
// to the unscaled integer that Avro's decimal logical type stores (big-endian two's complement).
const decimalPattern = /^([+-])?(\d*)(?:\.(\d*))?$/;

export function parseUnscaledDecimal(text: string, scale: number): bigint {
  const match = decimalPattern.exec(text.trim());
  if (match === null || ((match[2] ?? '') === '' && (match[3] ?? '') === '')) {
    throw new RangeError(`not a decimal number: "${text}"`);
  }
  const integerDigits = match[2] ?? '';
  const fractionDigits = match[3] ?? '';
  if (fractionDigits.length > scale && /[1-9]/.test(fractionDigits.slice(scale))) {
    throw new RangeError(`"${text}" has more than ${scale} decimal places`);
  }
  const digits = `${integerDigits}${fractionDigits.slice(0, scale).padEnd(scale, '0')}`;
  const magnitude = BigInt(digits === '' ? '0' : digits);
  return match[1] === '-' ? -magnitude : magnitude;
}

export function formatUnscaledDecimal(unscaled: bigint, scale: number): string {
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  const text =
    scale === 0 ? digits : `${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`;
  return negative ? `-${text}` : text;
}

/** The shortest big-endian two's complement of `value` (what Avro's decimal stores). */
export function bigintToTwosComplement(value: bigint): Buffer {
  // The bits a non-negative v needs are those of v; a negative v needs those of -v - 1. One more
  // bit for the sign, rounded up to whole bytes: one toString instead of a shift loop per byte.
  const magnitude = value < 0n ? -value - 1n : value;
  const bits = magnitude === 0n ? 0 : magnitude.toString(16).length * 4 - leadingZeroBits(magnitude);
  const length = Math.floor(bits / 8) + 1;
  const unsigned = value < 0n ? (1n << BigInt(length * 8)) + value : value;
  return Buffer.from(unsigned.toString(16).padStart(length * 2, '0'), 'hex');
}

/** Zero bits above the highest set bit within the top hex digit of `magnitude` (> 0). */
function leadingZeroBits(magnitude: bigint): number {
  const top = parseInt(magnitude.toString(16)[0] ?? '1', 16);
  return top >= 8 ? 0 : top >= 4 ? 1 : top >= 2 ? 2 : 3;
}

export function twosComplementToBigint(bytes: Buffer): bigint {
  if (bytes.length === 0) return 0n;
  const unsigned = BigInt(`0x${bytes.toString('hex')}`);
  const first = bytes[0] ?? 0;
  return first >= 0x80 ? unsigned - (1n << BigInt(bytes.length * 8)) : unsigned;
}
