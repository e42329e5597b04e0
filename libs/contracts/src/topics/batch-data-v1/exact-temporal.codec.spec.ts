import {
  civilFromDays,
  daysFromCivil,
  formatDate,
  formatTimeMicros,
  formatTimestampMicros,
  parseDate,
  parseTimeMicros,
  parseTimestampMicros,
} from './exact-temporal.codec';

describe('exact temporal codec', () => {
  it('agrees with the calendar on the epoch, leap days and the far past and future', () => {
    expect(daysFromCivil(1970, 1, 1)).toBe(0);
    expect(daysFromCivil(2000, 2, 29)).toBe(11016);
    expect(daysFromCivil(1969, 12, 31)).toBe(-1);
    for (const day of [-719162, -1, 0, 59, 11016, 24855, 2932896]) {
      const { year, month, day: dayOfMonth } = civilFromDays(day);
      expect(daysFromCivil(year, month, dayOfMonth)).toBe(day);
    }
    expect(formatDate(-719162)).toBe('0001-01-01');
    expect(formatDate(2932896)).toBe('9999-12-31');
  });

  it.each(['0001-01-01', '1900-02-28', '1969-12-31', '2024-02-29', '2038-01-19', '9999-12-31'])(
    'round-trips the date %s',
    (text) => {
      expect(formatDate(parseDate(text))).toBe(text);
    },
  );

  it('rejects dates that do not exist', () => {
    expect(() => parseDate('2023-02-29')).toThrow(/calendar date/);
    expect(() => parseDate('1900-02-29')).toThrow(/calendar date/);
    expect(() => parseDate('yesterday')).toThrow(/not a date/);
  });

  it('keeps microseconds on both sides of the epoch and beyond 2^53 microseconds', () => {
    for (const text of [
      '1969-12-31 23:59:59.999999',
      '1970-01-01 00:00:00.000001',
      '2038-01-19 03:14:08.123456',
      '9999-12-31 23:59:59.999999',
      '0001-01-01 00:00:00.000000',
    ]) {
      expect(formatTimestampMicros(parseTimestampMicros(text), false)).toBe(text);
    }
    expect(parseTimestampMicros('9999-12-31 23:59:59.999999') > BigInt(Number.MAX_SAFE_INTEGER)).toBe(true);
  });

  it('normalises a timestamp with an offset to UTC and pads short fractions', () => {
    expect(formatTimestampMicros(parseTimestampMicros('2024-03-10 02:30:00.5+05:30'), true)).toBe(
      '2024-03-09 21:00:00.500000+00',
    );
    expect(formatTimestampMicros(parseTimestampMicros('2024-03-10T02:30:00Z'), true)).toBe(
      '2024-03-10 02:30:00.000000+00',
    );
  });

  it('round-trips times including the last microsecond of the day', () => {
    expect(formatTimeMicros(parseTimeMicros('23:59:59.999999'))).toBe('23:59:59.999999');
    expect(formatTimeMicros(parseTimeMicros('00:00:00'))).toBe('00:00:00.000000');
    expect(() => parseTimeMicros('24:00:01')).toThrow(/not a time/);
  });
});
