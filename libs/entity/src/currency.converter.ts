// Exact money arithmetic for the currency rule: an amount (decimal or integer, in major or minor
// units) times the rate of its currency, rounded half-even to the target scale. decimal.js with
// a precision far above 38 + rate digits, so nothing rounds before the one stated rounding.
import { Decimal } from 'decimal.js';
import type { ExactValue } from '@qupersync/contracts';

/** Every intermediate result is exact: a 38-digit amount times a 40-digit rate needs < 100. */
export const Money = Decimal.clone({
  precision: 200,
  rounding: Decimal.ROUND_HALF_EVEN,
  toExpNeg: -9e15,
  toExpPos: 9e15,
});

/** Rates of one source: base-currency units per one unit of the keyed (upper-case) currency. */
export interface CurrencyRates {
  /** Where the rates came from, for the reason of an invalid row. */
  readonly origin: string;
  readonly rates: ReadonlyMap<string, Decimal>;
  /** Entries that are present but unusable (not a positive number), with their text. */
  readonly unusable: ReadonlyMap<string, string>;
}

const rateText = /^\s*\d+(\.\d+)?\s*$/;

export function buildCurrencyRates(
  origin: string,
  entries: Iterable<readonly [string, string]>,
): CurrencyRates {
  const rates = new Map<string, Decimal>();
  const unusable = new Map<string, string>();
  for (const [code, text] of entries) {
    const key = code.trim().toUpperCase();
    const rate = rateText.test(text) ? new Money(text.trim()) : null;
    if (rate === null || rate.isZero()) unusable.set(key, text);
    else rates.set(key, rate);
  }
  return { origin, rates, unusable };
}

export interface CurrencyConversionSettings {
  readonly baseCurrency: string;
  readonly minorUnits: boolean;
  readonly scale: number;
  readonly precision: number;
}

/** A converted amount, or the reason the row cannot be converted. */
export type ConversionResult = { readonly amount: string | null } | { readonly reason: string };

export class CurrencyConverter {
  private readonly limit: Decimal;
  private readonly minorUnitDivisors = new Map<string, Decimal>();

  constructor(private readonly settings: CurrencyConversionSettings) {
    this.limit = new Money(10).pow(settings.precision - settings.scale);
  }

  convert(amount: ExactValue, currency: ExactValue, rates: CurrencyRates): ConversionResult {
    // NULL stays NULL: there is nothing to convert, whatever the currency says.
    if (amount === null) return { amount: null };
    if (typeof currency !== 'string' || currency.trim() === '') {
      return { reason: 'the currency is NULL or empty for a non-NULL amount' };
    }
    const code = currency.trim().toUpperCase();
    const rate = this.rateOf(code, rates);
    if (typeof rate === 'string') return { reason: rate };
    let value: Decimal;
    try {
      value = toDecimal(amount);
    } catch {
      return { reason: `the amount "${String(amount)}" is not a number` };
    }
    if (this.settings.minorUnits) value = value.div(this.minorUnitDivisor(code));
    const converted = value.times(rate).toDecimalPlaces(this.settings.scale, Decimal.ROUND_HALF_EVEN);
    if (converted.abs().gte(this.limit)) {
      return {
        reason: `${converted.toFixed(this.settings.scale)} ${this.settings.baseCurrency} does not fit numeric(${this.settings.precision}, ${this.settings.scale})`,
      };
    }
    // A result that rounds to zero from below must not read "-0.00".
    return { amount: (converted.isZero() ? converted.abs() : converted).toFixed(this.settings.scale) };
  }

  private rateOf(code: string, rates: CurrencyRates): Decimal | string {
    const rate = rates.rates.get(code);
    if (rate !== undefined) return rate;
    const unusable = rates.unusable.get(code);
    if (unusable !== undefined)
      return `the rate for ${code} in ${rates.origin} is not a positive number: "${unusable}"`;
    if (code === this.settings.baseCurrency) return ONE;
    return `unknown currency "${code}": no rate to ${this.settings.baseCurrency} in ${rates.origin}`;
  }

  /** 10^(ISO 4217 minor-unit digits): 100 for USD, 1 for JPY, 1000 for BHD (from ICU's data). */
  private minorUnitDivisor(code: string): Decimal {
    let divisor = this.minorUnitDivisors.get(code);
    if (divisor === undefined) {
      const digits = new Intl.NumberFormat('en', { style: 'currency', currency: code }).resolvedOptions()
        .maximumFractionDigits;
      divisor = new Money(10).pow(digits ?? 2);
      this.minorUnitDivisors.set(code, divisor);
    }
    return divisor;
  }
}

const ONE = new Money(1);

function toDecimal(amount: Exclude<ExactValue, null>): Decimal {
  if (typeof amount === 'string' || typeof amount === 'number') return new Money(amount);
  if (typeof amount === 'bigint') return new Money(amount.toString());
  throw new TypeError('not a number');
}
