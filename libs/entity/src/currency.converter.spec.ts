import { buildCurrencyRates, CurrencyConverter } from './currency.converter';

const rates = buildCurrencyRates('test rates', [
  ['EUR', '1.0842'],
  ['JPY', '0.0067'],
  ['BHD', '2.6596'],
  ['GBP', '1.25'],
  ['XXX', 'abc'],
]);

function converter(options: { minorUnits?: boolean; scale?: number } = {}): CurrencyConverter {
  return new CurrencyConverter({
    baseCurrency: 'USD',
    minorUnits: options.minorUnits ?? false,
    scale: options.scale ?? 10,
    precision: 38,
  });
}

describe('CurrencyConverter', () => {
  it('multiplies exactly, with no float in between', () => {
    expect(converter().convert('100.10', 'EUR', rates)).toEqual({ amount: '108.5284200000' });
    expect(converter().convert('0.1', 'GBP', rates)).toEqual({ amount: '0.1250000000' });
    expect(converter().convert(3, 'eur ', rates)).toEqual({ amount: '3.2526000000' });
  });

  it('keeps a 38-digit amount exact and rejects a result beyond numeric(38, scale)', () => {
    expect(converter({ scale: 0 }).convert('12345678901234567890123456789012345678', 'USD', rates)).toEqual({
      amount: '12345678901234567890123456789012345678',
    });
    expect(converter({ scale: 10 }).convert('1234567890123456789012345678.0123456789', 'GBP', rates)).toEqual(
      {
        amount: '1543209862654320986265432097.5154320986',
      },
    );
    expect(
      converter({ scale: 10 }).convert('9999999999999999999999999999.9999999999', 'GBP', rates),
    ).toMatchObject({
      reason: expect.stringMatching(/does not fit numeric\(38, 10\)/),
    });
  });

  it('rounds half to even at the target scale, both signs', () => {
    const cents = converter({ scale: 2 });
    const one = buildCurrencyRates('one', [['EUR', '1']]);
    expect(cents.convert('0.125', 'EUR', one)).toEqual({ amount: '0.12' });
    expect(cents.convert('0.135', 'EUR', one)).toEqual({ amount: '0.14' });
    expect(cents.convert('-0.125', 'EUR', one)).toEqual({ amount: '-0.12' });
    expect(cents.convert('2.5', 'EUR', one)).toEqual({ amount: '2.50' });
    expect(converter({ scale: 0 }).convert('2.5', 'EUR', one)).toEqual({ amount: '2' });
    expect(converter({ scale: 0 }).convert('3.5', 'EUR', one)).toEqual({ amount: '4' });
    expect(cents.convert('-0.001', 'EUR', one)).toEqual({ amount: '0.00' });
  });

  it('reads minor units with each currency’s ISO 4217 digits', () => {
    const minor = converter({ minorUnits: true, scale: 4 });
    expect(minor.convert(10_050n, 'EUR', rates)).toEqual({ amount: '108.9621' });
    expect(minor.convert(1000, 'JPY', rates)).toEqual({ amount: '6.7000' });
    expect(minor.convert('1500', 'BHD', rates)).toEqual({ amount: '3.9894' });
    expect(minor.convert(199, 'USD', rates)).toEqual({ amount: '1.9900' });
  });

  it('keeps NULL amounts NULL and names unknown or unusable currencies', () => {
    expect(converter().convert(null, null, rates)).toEqual({ amount: null });
    expect(converter().convert('1', 'CHF', rates)).toEqual({
      reason: 'unknown currency "CHF": no rate to USD in test rates',
    });
    expect(converter().convert('1', null, rates)).toEqual({
      reason: 'the currency is NULL or empty for a non-NULL amount',
    });
    expect(converter().convert('1', 'XXX', rates)).toEqual({
      reason: 'the rate for XXX in test rates is not a positive number: "abc"',
    });
  });
});
