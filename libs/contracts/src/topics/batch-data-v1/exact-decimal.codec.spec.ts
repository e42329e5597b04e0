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

describe("bigintToTwosComplement against the definition of two's complement", () => {
  /** The shortest length by definition: the first L with -2^(8L-1) <= v < 2^(8L-1). */
  function reference(value: bigint): Buffer {
    let length = 1;
    while (value < -(1n << BigInt(length * 8 - 1)) || value >= 1n << BigInt(length * 8 - 1)) length++;
    const unsigned = value < 0n ? (1n << BigInt(length * 8)) + value : value;
    return Buffer.from(unsigned.toString(16).padStart(length * 2, '0'), 'hex');
  }

  it('matches it at every power of two and its neighbours up to 2^130, both signs', () => {
    for (let bit = 0; bit <= 130; bit++) {
      const power = 1n << BigInt(bit);
      for (const value of [power - 1n, power, power + 1n, -power + 1n, -power, -power - 1n]) {
        expect([value, bigintToTwosComplement(value).toString('hex')]).toEqual([
          value,
          reference(value).toString('hex'),
        ]);
      }
    }
  });
});
