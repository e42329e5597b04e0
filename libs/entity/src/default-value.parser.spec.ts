import { buildColumn } from '@qupersync/testing';
import { parseDefaultValue } from './default-value.parser';

describe('parseDefaultValue', () => {
  it('converts to the column kind exactly', () => {
    expect(parseDefaultValue('9223372036854775807', buildColumn('id', 'bigint'))).toBe(9223372036854775807n);
    expect(parseDefaultValue('-32768', buildColumn('small', 'smallint'))).toBe(-32768);
    expect(parseDefaultValue('0.1', buildColumn('amount', 'decimal'))).toBe('0.1000000000');
    expect(
      parseDefaultValue('1234567890123456789012345678.0123456789', buildColumn('amount', 'decimal')),
    ).toBe('1234567890123456789012345678.0123456789');
    expect(parseDefaultValue('-0', buildColumn('measure', 'double'))).toBe(-0);
    expect(parseDefaultValue('NaN', buildColumn('measure', 'double'))).toBeNaN();
    expect(parseDefaultValue('-Infinity', buildColumn('measure', 'double'))).toBe(Number.NEGATIVE_INFINITY);
    expect(parseDefaultValue('TRUE', buildColumn('flag', 'boolean'))).toBe(true);
    expect(parseDefaultValue('1900-02-28', buildColumn('day', 'date'))).toBe('1900-02-28');
    expect(parseDefaultValue('2000-02-29 12:00:00.000001', buildColumn('at', 'timestamp'))).toBe(
      '2000-02-29 12:00:00.000001',
    );
    expect(parseDefaultValue('2040-01-01 00:00:00-05', buildColumn('at', 'timestamptz'))).toBe(
      '2040-01-01 05:00:00.000000+00',
    );
    expect(parseDefaultValue('\\x00ff', buildColumn('blob', 'varbyte'))).toEqual(Buffer.from([0, 255]));
    expect(parseDefaultValue('  kept  ', buildColumn('label', 'text'))).toBe('  kept  ');
  });

  it.each([
    ['32768', 'smallint'],
    ['12.5', 'integer'],
    ['9223372036854775808', 'bigint'],
    ['0.00000000001', 'decimal'],
    ['ten', 'double'],
    ['yes', 'boolean'],
    ['2023-02-29', 'date'],
    ['{', 'super'],
    ['ff', 'varbyte'],
  ] as const)('refuses "%s" for a %s column, naming it', (text, kind) => {
    expect(() => parseDefaultValue(text, buildColumn('col', kind))).toThrow(/col|date/);
  });

  it('checks varchar lengths in characters, not bytes', () => {
    const column = buildColumn('code', 'text', { precision: 2 });
    expect(parseDefaultValue('🚀é', column)).toBe('🚀é');
    expect(() => parseDefaultValue('abc', column)).toThrow(/code/);
  });
});
