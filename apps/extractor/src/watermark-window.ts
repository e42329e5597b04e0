// Moving a watermark value back in time, exactly and in its own type: a job's lookback re-reads a
// window before the stored watermark (rows committed late with older values), and its settle
// keeps the run's upper bound a while behind the warehouse's clock. Dates move by whole days
// (rounded up, so the window is never shorter than asked), timestamps by microseconds, and a
// timestamptz keeps its UTC offset in the text it is compared with.
import {
  formatDate,
  formatTimestampMicros,
  parseDate,
  parseTimestampMicros,
  QuperSyncError,
} from '@qupersync/contracts';
import type { BatchColumn } from '@qupersync/contracts';

export type TemporalKind = 'date' | 'timestamp' | 'timestamptz';

const millisPerDay = 86_400_000;

/** The watermark column's kind when lookback and settle can work with it; a clear error otherwise. */
export function temporalKindOf(
  column: BatchColumn,
  setting: 'lookback' | 'settle',
  job: string,
): TemporalKind {
  if (column.kind === 'date' || column.kind === 'timestamp' || column.kind === 'timestamptz')
    return column.kind;
  throw new QuperSyncError(
    'MESSAGE_INVALID',
    'permanent',
    `job ${job}: ${setting} needs a date, timestamp or timestamptz watermark; "${column.name}" is ${column.sqlType}` +
      (setting === 'lookback'
        ? ' (re-read rows of an integer watermark with qupersync reset --watermark)'
        : ''),
  );
}

/** `text` moved back by `millis`, in the same type and notation. */
export function shiftBack(text: string, kind: TemporalKind, millis: number): string {
  switch (kind) {
    case 'date':
      return formatDate(parseDate(text.slice(0, 10)) - Math.ceil(millis / millisPerDay));
    case 'timestamp':
      return formatTimestampMicros(parseTimestampMicros(text) - BigInt(millis) * 1000n, false);
    case 'timestamptz':
      return formatTimestampMicros(parseTimestampMicros(text) - BigInt(millis) * 1000n, true);
  }
}

/** The earlier of two watermark values of one kind (timestamptz values compared in UTC). */
export function earlierOf(first: string, second: string, kind: TemporalKind): string {
  const value = (text: string): bigint =>
    kind === 'date' ? BigInt(parseDate(text.slice(0, 10))) : parseTimestampMicros(text);
  return value(second) < value(first) ? second : first;
}
