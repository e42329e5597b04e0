import {
  bigintToTwosComplement,
  formatUnscaledDecimal,
  parseUnscaledDecimal,
  twosComplementToBigint,
} from './exact-decimal.codec';

describe('exact decimal codec', () => {
  it.each([
    ['99999999999999999999999999.999999999999', 12],
    ['-99999999999999999999999999.999999999999', 12],
    ['0.0000000001', 10],
    ['-0.5000', 4],
    ['12345678901234567890123456789012345678', 0],
  ])('round-trips %s at scale %i without losing a digit', (text, scale) => {
    expect(formatUnscaledDecimal(parseUnscaledDecimal(text, scale), scale)).toBe(text);
  });

  it('pads to the scale and folds negative zero', () => {
    expect(formatUnscaledDecimal(parseUnscaledDecimal('1.5', 4), 4)).toBe('1.5000');
    expect(formatUnscaledDecimal(parseUnscaledDecimal('-0.00', 2), 2)).toBe('0.00');
    expect(formatUnscaledDecimal(parseUnscaledDecimal('.25', 2), 2)).toBe('0.25');
  });

  it('refuses to round: extra non-zero places are an error, extra zeros are not', () => {
    expect(() => parseUnscaledDecimal('1.001', 2)).toThrow(/decimal places/);
    expect(parseUnscaledDecimal('1.0100', 2)).toBe(101n);
    expect(() => parseUnscaledDecimal('NaN', 2)).toThrow(/not a decimal/);
    expect(() => parseUnscaledDecimal('', 2)).toThrow(/not a decimal/);
  });

  it.each([0n, 1n, -1n, 127n, 128n, -128n, -129n, 2n ** 127n - 1n, -(2n ** 127n)])(
    "encodes %s as minimal two's complement",
    (value) => {
      const bytes = bigintToTwosComplement(value);
      expect(twosComplementToBigint(bytes)).toBe(value);
    },
  );

  it('uses the fewest bytes', () => {
    expect(bigintToTwosComplement(127n)).toEqual(Buffer.from([0x7f]));
    expect(bigintToTwosComplement(128n)).toEqual(Buffer.from([0x00, 0x80]));
    expect(bigintToTwosComplement(-128n)).toEqual(Buffer.from([0x80]));
  });
});
