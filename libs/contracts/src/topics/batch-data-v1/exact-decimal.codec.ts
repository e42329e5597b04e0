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

export function bigintToTwosComplement(value: bigint): Buffer {
  let length = 1;
  while (value < -(1n << BigInt(length * 8 - 1)) || value >= 1n << BigInt(length * 8 - 1)) length++;
  const unsigned = value < 0n ? (1n << BigInt(length * 8)) + value : value;
  return Buffer.from(unsigned.toString(16).padStart(length * 2, '0'), 'hex');
}

export function twosComplementToBigint(bytes: Buffer): bigint {
  if (bytes.length === 0) return 0n;
  const unsigned = BigInt(`0x${bytes.toString('hex')}`);
  const first = bytes[0] ?? 0;
  return first >= 0x80 ? unsigned - (1n << BigInt(bytes.length * 8)) : unsigned;
}
