// How many rows one keyset statement may ask for. The Data API fails a statement whose result
// passes its size limit (REDSHIFT_MAX_RESULT_BYTES), so statements are sized by bytes, not only
// rows: first from the columns' declared sizes, then from the ResultSize the service reports for
// each statement. A statement that fails for size anyway is halved, and the extraction never asks
// for more again. Pure, so the decisions are unit-tested exactly.
import type { BatchColumn } from '@qupersync/contracts';
import { QuperSyncError } from '@qupersync/contracts';

export interface StatementSizeLimits {
  /** The most rows a statement asks for, whatever their size. */
  readonly maxRows: number;
  readonly maxResultBytes: number;
}

/** A statement aims at half the Data API's result limit: estimates can be wrong by that much. */
const budgetShare = 0.5;

export class StatementSizePlanner {
  private current: number;
  private ceiling: number;

  constructor(
    private readonly limits: StatementSizeLimits,
    estimatedRowBytes: number,
  ) {
    this.ceiling = limits.maxRows;
    this.current = this.fit(estimatedRowBytes);
  }

  /** Rows the next statement asks for. */
  get rows(): number {
    return this.current;
  }

  /** A statement returned `rows` rows in `bytes` bytes (null: size unknown). */
  observed(rows: number, bytes: number | null): void {
    if (bytes === null || rows === 0 || bytes <= 0) return;
    this.current = this.fit(bytes / rows);
  }

  /**
   * A statement of `rows` rows failed for size: the next ones ask for half as many, for good.
   * False when it already asked for one row (that row alone is too large).
   */
  shrink(rows: number): boolean {
    if (rows <= 1) return false;
    this.ceiling = Math.max(1, Math.min(this.ceiling, Math.floor(rows / 2)));
    this.current = Math.min(this.current, this.ceiling);
    return true;
  }

  private fit(rowBytes: number): number {
    const byBytes = Math.floor((this.limits.maxResultBytes * budgetShare) / Math.max(1, rowBytes));
    return Math.max(1, Math.min(this.ceiling, byBytes));
  }
}

/**
 * A row's size as its columns declare it, as the CSV result prints it: a VARCHAR(n) up to n
 * bytes, numbers and temporals their printed width. Generous on purpose: the first statement
 * must fit; later ones are sized by what the service measured.
 */
export function declaredRowBytes(columns: readonly BatchColumn[]): number {
  let bytes = 0;
  for (const column of columns) bytes += declaredColumnBytes(column) + 1;
  return bytes;
}

function declaredColumnBytes(column: BatchColumn): number {
  const type = column.sqlType.toLowerCase();
  if (/char|text|string/.test(type)) return Math.max(1, column.precision ?? 256);
  if (/varbyte|binary/.test(type)) return 2 * Math.max(1, column.precision ?? 1024);
  if (/super|geometry|geography|hllsketch/.test(type)) return 65_535;
  if (/numeric|decimal/.test(type)) return (column.precision ?? 38) + 2;
  if (/timestamp|time/.test(type)) return 32;
  if (/date/.test(type)) return 10;
  if (/bool/.test(type)) return 5;
  return 24;
}

/** Whether the Data API refused a statement for the size of its result or of one of its rows. */
export function isResultSizeFailure(error: unknown): boolean {
  return (
    error instanceof QuperSyncError &&
    error.code === 'SOURCE_STATEMENT_FAILED' &&
    /packet for query is too large|database response exceeded size limit/i.test(error.message)
  );
}
