import { buildColumn } from '@qupersync/testing';
import { toCopyText, toExactValue } from './exact-value.converter';

describe('toExactValue', () => {
  it('reads BIGINT text beyond 2^53 exactly and refuses an inexact number', () => {
    expect(toExactValue('9223372036854775807', buildColumn('id', 'bigint'))).toBe(9223372036854775807n);
    expect(toExactValue(42, buildColumn('id', 'bigint'))).toBe(42n);
    expect(() => toExactValue(2 ** 53 + 2, buildColumn('id', 'bigint'))).toThrow(/inexact/);
  });

  it('keeps decimals, dates and timestamps as the exact text, NULL as NULL', () => {
    expect(toExactValue('-12345678901234567890.1234567890', buildColumn('amount', 'decimal'))).toBe(
      '-12345678901234567890.1234567890',
    );
    expect(toExactValue('2024-01-01 00:00:00.000001', buildColumn('at', 'timestamp'))).toBe(
      '2024-01-01 00:00:00.000001',
    );
    expect(toExactValue(null, buildColumn('at', 'timestamp'))).toBeNull();
  });

  it('turns bytes and float specials into their values', () => {
    expect(toExactValue(new Uint8Array([1, 255]), buildColumn('blob', 'varbyte'))).toEqual(
      Buffer.from([1, 255]),
    );
    expect(toExactValue('NaN', buildColumn('x', 'double'))).toBeNaN();
    expect(toExactValue('-Infinity', buildColumn('x', 'double'))).toBe(Number.NEGATIVE_INFINITY);
  });

  it('parses text numbers and booleans strictly: an unknown spelling is an error, never NaN or false', () => {
    expect(toExactValue('1e+20', buildColumn('x', 'double'))).toBe(1e20);
    expect(toExactValue('-0', buildColumn('x', 'double'))).toBe(-0);
    expect(toExactValue('0.30000000000000004', buildColumn('x', 'double'))).toBe(0.1 + 0.2);
    for (const text of ['abc', '', '0x10', ' 5'])
      expect(() => toExactValue(text, buildColumn('x', 'double'))).toThrow(/x: .* is not a number/);
    expect(toExactValue('TRUE', buildColumn('b', 'boolean'))).toBe(true);
    expect(toExactValue('f', buildColumn('b', 'boolean'))).toBe(false);
    expect(toExactValue('0', buildColumn('b', 'boolean'))).toBe(false);
    expect(() => toExactValue('maybe', buildColumn('b', 'boolean'))).toThrow(/b: "maybe" is not a boolean/);
    expect(() => toExactValue('12.5', buildColumn('n', 'integer'))).toThrow(/n: "12.5" is not an integer/);
  });
});

describe('toCopyText', () => {
  it('escapes the COPY text specials and writes NULL as \\N, distinct from the empty string', () => {
    expect(toCopyText(null)).toBe('\\N');
    expect(toCopyText('')).toBe('');
    expect(toCopyText('a\tb\nc\\d\re')).toBe('a\\tb\\nc\\\\d\\re');
    expect(toCopyText('\\N')).toBe('\\\\N');
  });

  it('writes exact numbers, negative zero, float specials, booleans and bytes', () => {
    expect(toCopyText(-9223372036854775808n)).toBe('-9223372036854775808');
    expect(toCopyText(-0)).toBe('-0');
    expect(toCopyText(Number.NaN)).toBe('NaN');
    expect(toCopyText(Number.POSITIVE_INFINITY)).toBe('Infinity');
    expect(toCopyText(false)).toBe('f');
    expect(toCopyText(Buffer.from([0, 171]))).toBe('\\\\x00ab');
  });
});
