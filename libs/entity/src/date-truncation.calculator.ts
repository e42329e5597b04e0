// Date truncation for the truncate_date rule: day, ISO week (from Monday) or month, exactly, for
// date, timestamp and timestamptz values. A timestamptz is truncated in a stated IANA time zone
// and the result is the UTC instant at which that local day, week or month began, so DST
// changes (a 23- or 25-hour day, a day that has no midnight) come out right. No JS Date holds a
// value: offsets come from ICU, the arithmetic is on integer days and microseconds.
import {
  civilFromDays,
  daysFromCivil,
  formatDate,
  formatTimestampMicros,
  parseDate,
  parseTimestampMicros,
} from '@qupersync/contracts';

export type TruncationUnit = 'day' | 'week' | 'month';

const microsPerDay = 86_400_000_000n;
const millisPerDay = 86_400_000;
/** Bounds the per-zone caches; a batch touches a few hundred days at most. */
const cacheLimit = 50_000;

/** The first day of the day's week (Monday, ISO 8601) or month; the day itself for 'day'. */
export function truncateDays(days: number, unit: TruncationUnit): number {
  switch (unit) {
    case 'day':
      return days;
    case 'week':
      // 1970-01-01 (day 0) was a Thursday, three days after a Monday.
      return days - ((((days + 3) % 7) + 7) % 7);
    case 'month': {
      const { year, month } = civilFromDays(days);
      return daysFromCivil(year, month, 1);
    }
  }
}

export function truncateDate(value: string, unit: TruncationUnit): string {
  return formatDate(truncateDays(parseDate(value), unit));
}

/** A timestamp without time zone is a wall-clock value: it is truncated as it reads. */
export function truncateTimestamp(value: string, unit: TruncationUnit): string {
  const days = floorDays(parseTimestampMicros(value));
  return formatTimestampMicros(BigInt(truncateDays(days, unit)) * microsPerDay, false);
}

function floorDays(micros: bigint): number {
  const days = micros / microsPerDay;
  return Number(micros < 0n && days * microsPerDay !== micros ? days - 1n : days);
}

/**
 * Truncates instants in one time zone. Keeps, per local day, the UTC instant the day began, so a
 * batch costs a few ICU look-ups per distinct day rather than one per row.
 */
export class ZonedTruncator {
  private readonly formatter: Intl.DateTimeFormat | null;
  private readonly dayStarts = new Map<number, bigint>();

  constructor(readonly timeZone: string) {
    this.formatter =
      timeZone === 'UTC' ? null : new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' });
  }

  /** A timestamptz value truncated in this zone, as the UTC instant of the local start. */
  truncate(value: string, unit: TruncationUnit): string {
    const instant = parseTimestampMicros(value);
    const utcDay = floorDays(instant);
    if (this.formatter === null) {
      return formatTimestampMicros(BigInt(truncateDays(utcDay, unit)) * microsPerDay, true);
    }
    // Offsets stay within ±14 h, so the local day is the UTC day or one of its neighbours.
    let localDay = utcDay + 1;
    while (this.startOfLocalDay(localDay) > instant) localDay -= 1;
    return formatTimestampMicros(this.startOfLocalDay(truncateDays(localDay, unit)), true);
  }

  /** The UTC instant (microseconds) of the first moment whose local date is `day`. */
  startOfLocalDay(day: number): bigint {
    const cached = this.dayStarts.get(day);
    if (cached !== undefined) return cached;
    if (this.dayStarts.size >= cacheLimit) this.dayStarts.clear();
    const start = BigInt(this.findStartMillis(day)) * 1000n;
    this.dayStarts.set(day, start);
    return start;
  }

  private findStartMillis(day: number): number {
    const localMidnight = day * millisPerDay;
    // The offsets a day before and after: at most one transition falls between them.
    const before = this.offsetMillisAt(localMidnight - millisPerDay);
    const after = this.offsetMillisAt(localMidnight + millisPerDay);
    const valid = [localMidnight - before, localMidnight - after].filter(
      (candidate) => candidate + this.offsetMillisAt(candidate) === localMidnight,
    );
    // Midnight twice (clocks set back over it): the day starts at the first one.
    if (valid.length > 0) return Math.min(...valid);
    // Midnight skipped (clocks set forward over it): the day starts at the transition itself,
    // which lies between the two candidates. Transitions fall on whole seconds.
    let low = localMidnight - after;
    let high = localMidnight - before;
    while (high - low > 1000) {
      const middle = low + Math.floor((high - low) / 2000) * 1000;
      if (this.offsetMillisAt(middle) === before) low = middle;
      else high = middle;
    }
    return high;
  }

  private offsetMillisAt(utcMillis: number): number {
    if (this.formatter === null) return 0;
    const name = this.formatter.formatToParts(utcMillis).find((part) => part.type === 'timeZoneName');
    const match = /^GMT(?:([+-])(\d{1,2})(?::(\d{2}))?(?::(\d{2}))?)?$/.exec(name?.value ?? '');
    if (match === null)
      throw new RangeError(`${this.timeZone}: unreadable UTC offset "${name?.value ?? ''}"`);
    if (match[1] === undefined) return 0;
    const seconds = Number(match[2]) * 3600 + Number(match[3] ?? '0') * 60 + Number(match[4] ?? '0');
    return (match[1] === '-' ? -seconds : seconds) * 1000;
  }
}
