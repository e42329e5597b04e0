// What a Data API result looks like to the extractor: columns with their Redshift types, and
// records whose Field unions are flattened to plain values in column order.
import type { ColumnMetadata, Field } from '@aws-sdk/client-redshift-data';

export interface SourceColumn {
  readonly name: string;
  /** The Redshift type name: int2, int4, int8, numeric, float4, float8, bool, char, varchar, ... */
  readonly typeName: string;
  readonly precision: number;
  readonly scale: number;
  readonly nullable: boolean;
  /**
   * False for a character column with a case-insensitive collation (isCaseSensitive in the
   * metadata): `a` and `A` compare equal there, so the extractor pages it case-sensitively.
   */
  readonly caseSensitive: boolean;
}

/**
 * One row. int2/int4/int8 arrive as `number` (the JSON format loses digits above 2^53: cast
 * BIGINT to text in the query where that matters), float4/float8 as `number`, bool as
 * `boolean`, VARBYTE as bytes, NULL as `null`, everything else (numeric, dates, times,
 * character types, SUPER) as the exact string Redshift printed.
 */
export type SourceValue = string | number | boolean | Uint8Array | null;
export type SourceRecord = SourceValue[];

export interface QueryResult {
  readonly statementId: string;
  readonly columns: readonly SourceColumn[];
  /** TotalNumRows as the service reported it (0 for a statement without a result set). */
  readonly totalRows: number;
  /** ResultSize as the service reported it, in bytes; null when unknown (-1 there). */
  readonly resultBytes: number | null;
  /** RedshiftQueryId (the query column of STL_QUERY and STL_SCAN); null when not reported. */
  readonly redshiftQueryId: number | null;
  /**
   * The pages in order; the next page is requested only when the consumer asks for it, so at
   * most one page is held. Iterable once.
   */
  pages(): AsyncIterable<SourceRecord[]>;
}

export function toSourceValue(field: Field): SourceValue {
  if (field.isNull === true) return null;
  if (field.stringValue !== undefined) return field.stringValue;
  if (field.longValue !== undefined) return field.longValue;
  if (field.doubleValue !== undefined) return field.doubleValue;
  if (field.booleanValue !== undefined) return field.booleanValue;
  if (field.blobValue !== undefined) return field.blobValue;
  // `isNull: false` alone is not a value; an empty union is a protocol violation.
  throw new Error(`Data API field carries no value: ${JSON.stringify(field)}`);
}

export function toSourceColumn(metadata: ColumnMetadata): SourceColumn {
  return {
    name: metadata.name ?? metadata.label ?? '',
    typeName: metadata.typeName ?? 'unknown',
    precision: metadata.precision ?? 0,
    scale: metadata.scale ?? 0,
    // 0 = NOT NULL, 1 = nullable, 2 = unknown: only a known NOT NULL is non-nullable.
    nullable: metadata.nullable !== 0,
    caseSensitive: metadata.isCaseSensitive !== false,
  };
}
