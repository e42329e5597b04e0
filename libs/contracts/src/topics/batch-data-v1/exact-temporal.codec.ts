// Dates and times as exact integers, without ever passing through a JS Date (which has only
// millisecond precision and a limited range). Strings are the canonical in-memory form:
//   date         YYYY-MM-DD                      <-> days since 1970-01-01
//   timestamp    YYYY-MM-DD HH:MM:SS.ffffff      <-> microseconds since the epoch (bigint)
//   timestamptz  YYYY-MM-DD HH:MM:SS.ffffff+00   <-> microseconds since the epoch, UTC
//   time         HH:MM:SS.ffffff                 <-> microseconds since midnight (bigint)
const microsPerSecond = 1_000_000n;
const microsPerDay = 86_400n * microsPerSecond;

const datePattern = /^(\d{4,6})-(\d{2})-(\d{2})$/;
const timePattern = /^(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/;
const timestampPattern =
  /^(\d{4,6})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(?:([+-])(\d{2})(?::?(\d{2}))?|Z)?$/;

export function daysFromCivil(year: number, month: number, day: number): number {
  const shiftedYear = month <= 2 ? year - 1 : year;
  const era = Math.floor(shiftedYear / 400);
  const yearOfEra = shiftedYear - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

export function civilFromDays(days: number): { year: number; month: number; day: number } {
  const shifted = days + 719468;
  const era = Math.floor(shifted / 146097);
  const dayOfEra = shifted - era * 146097;
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36524) - Math.floor(dayOfEra / 146096)) /
      365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthIndex = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * monthIndex + 2) / 5) + 1;
  const month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9;
  return { year: yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

export function parseDate(text: string): number {
  const match = datePattern.exec(text);
  if (match === null) throw new RangeError(`not a date: "${text}"`);
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  assertCalendarDate(year, month, day, text);
  return daysFromCivil(year, month, day);
}

export function formatDate(days: number): string {
  const { year, month, day } = civilFromDays(days);
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
}

export function parseTimeMicros(text: string): bigint {
  const match = timePattern.exec(text);
  if (match === null) throw new RangeError(`not a time: "${text}"`);
  const [hours, minutes, seconds] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const micros = BigInt((match[4] ?? '').padEnd(6, '0'));
  const total = BigInt(hours * 3600 + minutes * 60 + seconds) * microsPerSecond + micros;
  if (minutes > 59 || seconds > 59 || total > microsPerDay) throw new RangeError(`not a time: "${text}"`);
  return total;
}

export function formatTimeMicros(micros: bigint): string {
  const seconds = micros / microsPerSecond;
  const fraction = micros % microsPerSecond;
  const hours = seconds / 3600n;
  const minutes = (seconds % 3600n) / 60n;
  return `${pad(Number(hours), 2)}:${pad(Number(minutes), 2)}:${pad(Number(seconds % 60n), 2)}.${pad(Number(fraction), 6)}`;
}

/** Parses a timestamp; an offset in the text (timestamptz) is applied so the result is UTC. */
export function parseTimestampMicros(text: string): bigint {
  const match = timestampPattern.exec(text);
  if (match === null) throw new RangeError(`not a timestamp: "${text}"`);
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const [hours, minutes, seconds] = [Number(match[4]), Number(match[5]), Number(match[6])];
  assertCalendarDate(year, month, day, text);
  if (hours > 24 || minutes > 59 || seconds > 59) throw new RangeError(`not a timestamp: "${text}"`);
  const fraction = BigInt((match[7] ?? '').padEnd(6, '0'));
  const sign = match[8];
  const offsetSeconds =
    sign === undefined
      ? 0
      : (sign === '-' ? -1 : 1) * (Number(match[9]) * 3600 + Number(match[10] ?? '0') * 60);
  const days = BigInt(daysFromCivil(year, month, day));
  const secondsOfDay = BigInt(hours * 3600 + minutes * 60 + seconds - offsetSeconds);
  return days * microsPerDay + secondsOfDay * microsPerSecond + fraction;
}

export function formatTimestampMicros(micros: bigint, withUtcOffset: boolean): string {
  let days = micros / microsPerDay;
  let remainder = micros % microsPerDay;
  if (remainder < 0n) {
    remainder += microsPerDay;
    days -= 1n;
  }
  return `${formatDate(Number(days))} ${formatTimeMicros(remainder)}${withUtcOffset ? '+00' : ''}`;
}

function assertCalendarDate(year: number, month: number, day: number, text: string): void {
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    throw new RangeError(`not a calendar date: "${text}"`);
  }
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}
