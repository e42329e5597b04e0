// How an extraction reads its source, chosen at run start (issue 11, point 7). Redshift has no
// indexes: a statement reads every block its sort key's zone maps cannot skip, and
// `ORDER BY … LIMIT n` does not stop early, so keyset pages bounded only below read on the order
// of N²/(2·n) rows for a table of N rows. Two plans:
//   sort_key_ranges  the paging key leads the table's sort key: every statement is bounded on
//                    both sides (key > cursor AND key <= bound), the bounds cut evenly between
//                    the key's MIN and MAX into ranges of about one statement's rows, so zone
//                    maps skip every block outside the range and a run reads each block about once;
//   single_scan      otherwise (no sort key, another leading column, a key type that cannot be cut,
//                    a SQL source): statements as large as the result-size limit allows, so the
//                    table is scanned as few times as that limit permits.
// Bounds only steer cost: the last range is open above, so any bounds give every row exactly once.
import { quoteIdentifier } from '@qupersync/config';
import type { BatchColumn } from '@qupersync/contracts';
import { formatDate, formatTimestampMicros, parseDate, parseTimestampMicros } from '@qupersync/contracts';
import type { KeysetStatement } from './keyset-statement.builder';

export type ScanPlan =
  | { readonly kind: 'sort_key_ranges'; readonly column: string; readonly bounds: readonly string[] }
  | { readonly kind: 'single_scan'; readonly reason: string }
  /** A keyed run (replay): only the listed primary keys, a bounded number per statement. */
  | { readonly kind: 'keys'; readonly keys: number; readonly statements: number }
  | {
      readonly kind: 'unload';
      readonly files: number;
      readonly format: 'csv' | 'parquet';
      readonly to: string;
    };

/** What the run records: the plan's name and why (or over what). */
export function describeScanPlan(plan: ScanPlan): string {
  switch (plan.kind) {
    case 'sort_key_ranges':
      return `sort_key_ranges: ${plan.bounds.length + 1} ranges on sort key ${plan.column}`;
    case 'single_scan':
      return `single_scan: ${plan.reason}`;
    case 'keys':
      return `keys: ${plan.keys} ${plan.keys === 1 ? 'key' : 'keys'} in ${plan.statements} ${plan.statements === 1 ? 'statement' : 'statements'}`;
    case 'unload':
      return `unload: ${plan.files} ${plan.files === 1 ? 'file' : 'files'} (${plan.format}) at ${plan.to}`;
  }
}

interface TableName {
  readonly schema?: string | undefined;
  readonly name: string;
}

/** One SVV_TABLE_INFO value of the table (no row: the view does not know it). */
function tableInfoStatement(select: string, table: TableName): KeysetStatement {
  return {
    sql:
      `SELECT ${select} FROM svv_table_info ` +
      'WHERE "schema" = CAST(:table_schema AS VARCHAR(128)) AND "table" = CAST(:table_name AS VARCHAR(128))',
    parameters: { table_schema: table.schema ?? 'public', table_name: table.name },
  };
}

/** The table's first sort key column, as SVV_TABLE_INFO reports it (no row: no sort key known). */
export function buildSortKeyStatement(table: TableName): KeysetStatement {
  return tableInfoStatement('sortkey1', table);
}

/** The table's size in 1 MB blocks, as SVV_TABLE_INFO reports it (source.extract: auto). */
export function buildTableSizeStatement(table: TableName): KeysetStatement {
  return tableInfoStatement('CAST(size AS VARCHAR) AS size', table);
}

/**
 * The name of the sort key's first column from a SVV_TABLE_INFO sortkey1 value, or undefined
 * when the table has none or Redshift chose it (AUTO(SORTKEY) names none; AUTO(SORTKEY(col)) does).
 */
export function sortKeyColumnOf(sortkey1: string | null | undefined): string | undefined {
  if (sortkey1 === null || sortkey1 === undefined) return undefined;
  const text = sortkey1.trim();
  const auto = /^AUTO\(SORTKEY\((.+)\)\)$/i.exec(text);
  if (auto?.[1] !== undefined) return auto[1].trim();
  if (text === '' || /^AUTO\(/i.test(text) || /^INTERLEAVED/i.test(text)) return undefined;
  return text;
}

export interface RangeStatsInput {
  readonly source: string;
  readonly column: string;
  readonly castType: string;
  /** Only values at or above this (the stored cursor's, or the lookback's start). */
  readonly from: string | null;
  /** Only values at or below this (the run's fixed upper bound). */
  readonly upTo: string | null;
}

/** MIN, MAX and COUNT of the paging key over the run's window: one pass over one column. */
export function buildRangeStatsStatement(input: RangeStatsInput): KeysetStatement {
  const column = `q.${quoteIdentifier(input.column)}`;
  const parameters: Record<string, string> = {};
  const conditions = [`${column} IS NOT NULL`];
  if (input.from !== null && input.from !== '') {
    parameters.range_from = input.from;
    conditions.push(`${column} >= CAST(:range_from AS ${input.castType})`);
  }
  if (input.upTo !== null && input.upTo !== '') {
    parameters.range_up_to = input.upTo;
    conditions.push(`${column} <= CAST(:range_up_to AS ${input.castType})`);
  }
  return {
    sql:
      `SELECT CAST(MIN(${column}) AS VARCHAR) AS low, CAST(MAX(${column}) AS VARCHAR) AS high, ` +
      `COUNT(*) AS row_count FROM ${input.source} AS q WHERE ${conditions.join(' AND ')}`,
    parameters,
  };
}

/** At most this many ranges: each is at least one statement. */
const maxRanges = 100_000;

/**
 * Upper bounds (inclusive, strictly increasing) cutting [low, high] evenly into about
 * ceil(rows / rowsPerRange) ranges, in the column's own notation; undefined when the column's
 * type cannot be cut this way (then the plan is a single scan).
 */
export function cutRangeBounds(
  column: Pick<BatchColumn, 'kind' | 'scale'>,
  low: string,
  high: string,
  rows: number,
  rowsPerRange: number,
): string[] | undefined {
  const codec = rangeCodecFor(column);
  if (codec === undefined) return undefined;
  const ranges = Math.min(maxRanges, Math.ceil(rows / Math.max(1, rowsPerRange)));
  if (ranges <= 1) return [];
  const from = codec.parse(low);
  const to = codec.parse(high);
  if (to <= from) return [];
  const bounds: string[] = [];
  let previous: bigint | undefined;
  for (let index = 1; index < ranges; index += 1) {
    const value = from + ((to - from) * BigInt(index)) / BigInt(ranges);
    if (value === previous || value >= to) continue;
    previous = value;
    bounds.push(codec.format(value));
  }
  return bounds;
}

/** A key type as integers that keep its order exactly (scaled decimals, days, microseconds). */
interface RangeCodec {
  parse(text: string): bigint;
  format(value: bigint): string;
}

function rangeCodecFor(column: Pick<BatchColumn, 'kind' | 'scale'>): RangeCodec | undefined {
  switch (column.kind) {
    case 'smallint':
    case 'integer':
    case 'bigint':
      return { parse: (text) => BigInt(text.trim()), format: (value) => value.toString() };
    case 'decimal': {
      const scale = column.scale ?? 0;
      return { parse: (text) => scaledDecimal(text, scale), format: (value) => decimalText(value, scale) };
    }
    case 'date':
      return {
        parse: (text) => BigInt(parseDate(text.slice(0, 10))),
        format: (value) => formatDate(Number(value)),
      };
    case 'timestamp':
      return { parse: parseTimestampMicros, format: (value) => formatTimestampMicros(value, false) };
    case 'timestamptz':
      return { parse: parseTimestampMicros, format: (value) => formatTimestampMicros(value, true) };
    case 'real':
    case 'double':
    case 'boolean':
    case 'text':
    case 'time':
    case 'timetz':
    case 'super':
    case 'varbyte':
      return undefined;
  }
}

function scaledDecimal(text: string, scale: number): bigint {
  const trimmed = text.trim();
  const negative = trimmed.startsWith('-');
  const [whole = '0', fraction = ''] = trimmed.replace(/^[-+]/, '').split('.');
  const digits = `${whole}${fraction.padEnd(scale, '0').slice(0, scale)}`;
  const value = BigInt(digits === '' ? '0' : digits);
  return negative ? -value : value;
}

function decimalText(value: bigint, scale: number): string {
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString().padStart(scale + 1, '0');
  const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return negative ? `-${text}` : text;
}
