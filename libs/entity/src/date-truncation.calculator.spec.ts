import { truncateDate, truncateDays, truncateTimestamp, ZonedTruncator } from './date-truncation.calculator';

describe('truncateDate and truncateTimestamp', () => {
  it.each([
    ['2024-02-29', 'day', '2024-02-29'],
    ['2024-02-29', 'week', '2024-02-26'],
    ['2024-02-29', 'month', '2024-02-01'],
    ['1969-12-31', 'week', '1969-12-29'],
    ['1900-03-01', 'month', '1900-03-01'],
    ['0001-01-03', 'week', '0001-01-01'],
    ['2099-12-31', 'week', '2099-12-28'],
    ['9999-12-31', 'month', '9999-12-01'],
  ] as const)('truncates the date %s to its %s: %s', (value, unit, expected) => {
    expect(truncateDate(value, unit)).toBe(expected);
  });

  it('truncates wall-clock timestamps exactly, before 1970 and after 2038, dropping only the time', () => {
    expect(truncateTimestamp('1969-12-31 23:59:59.999999', 'day')).toBe('1969-12-31 00:00:00.000000');
    expect(truncateTimestamp('1960-02-29 12:00:00.000001', 'month')).toBe('1960-02-01 00:00:00.000000');
    expect(truncateTimestamp('2038-01-19 03:14:08.123456', 'week')).toBe('2038-01-18 00:00:00.000000');
    expect(truncateTimestamp('9999-12-31 23:59:59.999999', 'day')).toBe('9999-12-31 00:00:00.000000');
    expect(truncateTimestamp('2024-03-01 00:00:00.000000', 'month')).toBe('2024-03-01 00:00:00.000000');
  });

  it('starts weeks on Monday for every weekday', () => {
    // 2024-01-01 was a Monday.
    for (let offset = 0; offset < 7; offset++) expect(truncateDays(19723 + offset, 'week')).toBe(19723);
  });
});

describe('ZonedTruncator', () => {
  it('is plain UTC arithmetic in UTC', () => {
    const utc = new ZonedTruncator('UTC');
    expect(utc.truncate('2024-03-10 23:59:59.999999+00', 'day')).toBe('2024-03-10 00:00:00.000000+00');
    expect(utc.truncate('1969-12-31 23:59:59.999999+00', 'month')).toBe('1969-12-01 00:00:00.000000+00');
  });

  it('truncates around the spring-forward change in America/New_York (2024-03-10, a 23-hour day)', () => {
    const newYork = new ZonedTruncator('America/New_York');
    // Local midnight of March 10 was still EST (-05), of March 11 already EDT (-04).
    expect(newYork.truncate('2024-03-10 12:00:00.5+00', 'day')).toBe('2024-03-10 05:00:00.000000+00');
    expect(newYork.truncate('2024-03-11 03:59:59.999999+00', 'day')).toBe('2024-03-10 05:00:00.000000+00');
    expect(newYork.truncate('2024-03-11 04:00:00+00', 'day')).toBe('2024-03-11 04:00:00.000000+00');
    expect(newYork.truncate('2024-03-15 12:00:00+00', 'week')).toBe('2024-03-11 04:00:00.000000+00');
    expect(newYork.truncate('2024-03-15 12:00:00+00', 'month')).toBe('2024-03-01 05:00:00.000000+00');
  });

  it('truncates around the fall-back change in America/New_York (2024-11-03, a 25-hour day)', () => {
    const newYork = new ZonedTruncator('America/New_York');
    expect(newYork.truncate('2024-11-03 05:30:00+00', 'day')).toBe('2024-11-03 04:00:00.000000+00');
    expect(newYork.truncate('2024-11-04 04:59:59.999999+00', 'day')).toBe('2024-11-03 04:00:00.000000+00');
    expect(newYork.truncate('2024-11-04 05:00:00+00', 'day')).toBe('2024-11-04 05:00:00.000000+00');
    expect(newYork.truncate('2024-11-04 05:00:00+00', 'week')).toBe('2024-11-04 05:00:00.000000+00');
    expect(newYork.truncate('2024-11-04 04:59:59+00', 'week')).toBe('2024-10-28 04:00:00.000000+00');
    expect(newYork.truncate('2024-11-20 00:00:00+00', 'month')).toBe('2024-11-01 04:00:00.000000+00');
  });

  it('truncates around both changes in Europe/Berlin', () => {
    const berlin = new ZonedTruncator('Europe/Berlin');
    expect(berlin.truncate('2024-03-31 12:00:00+00', 'day')).toBe('2024-03-30 23:00:00.000000+00');
    expect(berlin.truncate('2024-03-31 21:59:59.999999+00', 'day')).toBe('2024-03-30 23:00:00.000000+00');
    expect(berlin.truncate('2024-03-31 22:00:00+00', 'day')).toBe('2024-03-31 22:00:00.000000+00');
    expect(berlin.truncate('2024-10-27 12:00:00+00', 'day')).toBe('2024-10-26 22:00:00.000000+00');
    expect(berlin.truncate('2024-10-26 21:59:59.999999+00', 'day')).toBe('2024-10-25 22:00:00.000000+00');
    expect(berlin.truncate('2024-10-27 23:00:00+00', 'day')).toBe('2024-10-27 23:00:00.000000+00');
    expect(berlin.truncate('2024-04-15 08:00:00+00', 'month')).toBe('2024-03-31 22:00:00.000000+00');
  });

  it('starts a day that has no midnight at the moment the clocks jump (America/Santiago, 2024-09-08)', () => {
    const santiago = new ZonedTruncator('America/Santiago');
    // 00:00 -04 became 01:00 -03 at 04:00 UTC: the local day began then, at 01:00.
    expect(santiago.truncate('2024-09-08 12:00:00+00', 'day')).toBe('2024-09-08 04:00:00.000000+00');
    expect(santiago.truncate('2024-09-08 03:59:59.999999+00', 'day')).toBe('2024-09-07 04:00:00.000000+00');
  });

  it('keeps dates before 1970, after 2038 and leap days exact in a zone', () => {
    const newYork = new ZonedTruncator('America/New_York');
    expect(newYork.truncate('1960-02-29 15:00:00.000001+00', 'day')).toBe('1960-02-29 05:00:00.000000+00');
    expect(newYork.truncate('2040-02-29 03:00:00+00', 'day')).toBe('2040-02-28 05:00:00.000000+00');
    expect(newYork.truncate('9999-12-31 23:59:59.999999+00', 'month')).toBe('9999-12-01 05:00:00.000000+00');
  });
});
