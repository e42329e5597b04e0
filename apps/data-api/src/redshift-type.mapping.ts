// How a PostgreSQL column, standing in for a Redshift one, is described and encoded on the
// wire: the Redshift type name in ColumnMetadata and the Field union member the real service
// uses for that type. Values arrive from pg as their exact text (no JavaScript parsing), so
// nothing is rounded here except where the real service rounds too (longValue above 2^53).

/** The Field union of GetStatementResult; exactly one member is set. */
export type WireField =
  | { readonly isNull: true }
  | { readonly longValue: number }
  | { readonly doubleValue: number }
  | { readonly booleanValue: boolean }
  | { readonly stringValue: string }
  | { readonly blobValue: string };

export type FieldEncoding = 'long' | 'double' | 'boolean' | 'string' | 'blob';

export interface RedshiftType {
  readonly typeName: string;
  readonly encoding: FieldEncoding;
  /** Precision reported when the type modifier does not say (the JDBC driver's numbers). */
  readonly defaultPrecision: number;
  readonly isSigned: boolean;
  readonly isCaseSensitive: boolean;
}

const long = (typeName: string, precision: number): RedshiftType => ({
  typeName,
  encoding: 'long',
  defaultPrecision: precision,
  isSigned: true,
  isCaseSensitive: false,
});

const text = (typeName: string, precision: number, caseSensitive = true): RedshiftType => ({
  typeName,
  encoding: 'string',
  defaultPrecision: precision,
  isSigned: false,
  isCaseSensitive: caseSensitive,
});

/** Keyed by PostgreSQL type OID (pg_type.oid, stable across versions for built-in types). */
const typesByOid: ReadonlyMap<number, RedshiftType> = new Map([
  [21, long('int2', 5)],
  [23, long('int4', 10)],
  [20, long('int8', 19)],
  [
    1700,
    { typeName: 'numeric', encoding: 'string', defaultPrecision: 0, isSigned: true, isCaseSensitive: false },
  ],
  [
    700,
    { typeName: 'float4', encoding: 'double', defaultPrecision: 8, isSigned: true, isCaseSensitive: false },
  ],
  [
    701,
    { typeName: 'float8', encoding: 'double', defaultPrecision: 17, isSigned: true, isCaseSensitive: false },
  ],
  [
    16,
    { typeName: 'bool', encoding: 'boolean', defaultPrecision: 1, isSigned: false, isCaseSensitive: false },
  ],
  [1042, text('char', 0)],
  [1043, text('varchar', 0)],
  [25, text('text', 0)],
  [19, text('name', 64)],
  [1082, text('date', 13, false)],
  [1114, text('timestamp', 29, false)],
  [1184, text('timestamptz', 35, false)],
  [1083, text('time', 15, false)],
  [1266, text('timetz', 21, false)],
  [114, text('super', 0)],
  [3802, text('super', 0)],
  [
    17,
    { typeName: 'varbyte', encoding: 'blob', defaultPrecision: 0, isSigned: false, isCaseSensitive: false },
  ],
]);

/** The Redshift description of a PostgreSQL type; unknown types travel as strings under their own name. */
export function redshiftTypeFor(oid: number, postgresTypeName: string | undefined): RedshiftType {
  return typesByOid.get(oid) ?? text(postgresTypeName ?? 'unknown', 0);
}

export interface TypeModifierDetails {
  readonly precision: number;
  readonly scale: number;
  readonly length: number;
}

/** Decodes atttypmod the way PostgreSQL's format_type does, for the types that carry one. */
export function decodeTypeModifier(type: RedshiftType, typeModifier: number): TypeModifierDetails {
  // Temporal types without a modifier have six fractional digits, which the service reports as
  // the scale (a timestamp: precision 29, scale 6).
  if (typeModifier < 0)
    return { precision: type.defaultPrecision, scale: isTemporalWithFraction(type) ? 6 : 0, length: 0 };
  switch (type.typeName) {
    case 'numeric': {
      const packed = typeModifier - 4;
      return { precision: (packed >> 16) & 0xffff, scale: packed & 0xffff, length: 0 };
    }
    case 'char':
    case 'varchar':
      // As the service reports a varchar(200): precision 200, length 0.
      return { precision: typeModifier - 4, scale: 0, length: 0 };
    case 'timestamp':
    case 'timestamptz':
    case 'time':
    case 'timetz':
      // The modifier is the fractional-second digits; Redshift reports it as the scale.
      return { precision: type.defaultPrecision, scale: typeModifier, length: 0 };
    default:
      return { precision: type.defaultPrecision, scale: 0, length: 0 };
  }
}

function isTemporalWithFraction(type: RedshiftType): boolean {
  return ['timestamp', 'timestamptz', 'time', 'timetz'].includes(type.typeName);
}

/** Encodes one value, given as PostgreSQL's text output (null for SQL NULL). */
export function encodeField(encoding: FieldEncoding, value: string | null): WireField {
  if (value === null) return { isNull: true };
  switch (encoding) {
    case 'long':
      // Number() rounds above 2^53 exactly like the real service's JSON longValue does.
      return { longValue: Number(value) };
    case 'double': {
      const number = Number(value);
      // JSON has no NaN/Infinity; the text keeps them readable instead of turning them into null.
      return Number.isFinite(number) ? { doubleValue: number } : { stringValue: value };
    }
    case 'boolean':
      return { booleanValue: value === 't' || value === 'true' };
    case 'blob':
      return { blobValue: decodeByteaHex(value).toString('base64') };
    case 'string':
      return { stringValue: value };
  }
}

/** bytea in hex output format (`\x0aff`), which the endpoint's sessions are set to. */
export function decodeByteaHex(value: string): Buffer {
  if (!value.startsWith('\\x')) throw new Error('bytea value is not in hex output format');
  return Buffer.from(value.slice(2), 'hex');
}

/** RFC 4180 quoting, as the CSV result format uses: quote when needed, double inner quotes. */
export function toCsvValue(value: string | null): string {
  if (value === null) return '';
  return /[",\r\n]/.test(value) || value === '' ? `"${value.replace(/"/g, '""')}"` : value;
}

/** A cheap upper bound of a value's size in a JSON page, used to keep pages near their byte budget. */
export function estimatedFieldBytes(value: string | null): number {
  // UTF-16 length, not bytes: a budget needs the order of magnitude, and counting UTF-8 bytes of
  // every value of every page was a measurable share of the endpoint's CPU.
  return value === null ? 16 : value.length + 24;
}
