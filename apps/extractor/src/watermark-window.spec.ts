import { buildColumn } from '@qupersync/testing';
import { earlierOf, shiftBack, temporalKindOf } from './watermark-window';

describe('watermark windows', () => {
  it('moves timestamps back by microseconds, keeping a timestamptz in UTC with its offset', () => {
    expect(shiftBack('2024-03-01 00:00:00.000001', 'timestamp', 3_600_000)).toBe(
      '2024-02-29 23:00:00.000001',
    );
    expect(shiftBack('2024-03-01 00:30:00.5+02', 'timestamptz', 60_000)).toBe(
      '2024-02-29 22:29:00.500000+00',
    );
  });

  it('moves dates back by whole days, never by less than asked', () => {
    expect(shiftBack('2024-03-01', 'date', 3_600_000)).toBe('2024-02-29');
    expect(shiftBack('2024-03-01', 'date', 2 * 86_400_000)).toBe('2024-02-28');
  });

  it('takes the earlier of two values of one kind', () => {
    expect(earlierOf('2024-01-01 00:00:00+00', '2023-12-31 23:00:00-02', 'timestamptz')).toBe(
      '2024-01-01 00:00:00+00',
    );
    expect(earlierOf('2024-01-02', '2024-01-01', 'date')).toBe('2024-01-01');
  });

  it('refuses lookback and settle on a watermark that is not a date or time, naming it', () => {
    expect(temporalKindOf(buildColumn('seen', 'timestamptz'), 'settle', 'orders')).toBe('timestamptz');
    expect(() => temporalKindOf(buildColumn('version', 'bigint'), 'lookback', 'orders')).toThrow(
      'job orders: lookback needs a date, timestamp or timestamptz watermark; "version" is int8',
    );
  });
});
