// Whether an existing target column can hold every value of a batch column exactly. A run must
// fail before its first row is written when it cannot (a shorter varchar, a smaller numeric, a
// narrower integer, fewer fractional seconds, a time zone gained or lost, text into a date...),
// instead of rows being refused one by one or, worse, rounded. Some narrow columns can be widened
// in place (schema_evolution: widen); a change of meaning (timestamptz vs timestamp, text vs date)
// never can. Pure logic over catalog facts, so it is tested without a database.
import type { BatchColumn } from '@qupersync/contracts';
import { postgresTypeOf } from './redshift-type.mapping';

/** A target column as the PostgreSQL catalog describes it: pg_type.typname and pg_attribute.atttypmod. */
export interface TargetColumnType {
  readonly typeName: string;
  readonly typeModifier: number;
}

export type TargetCompatibility =
  | { readonly verdict: 'exact' }
  /** Lossy as it is; ALTER COLUMN ... TYPE `widerType` makes it exact. */
  | { readonly verdict: 'narrower'; readonly widerType: string }
  | { readonly verdict: 'incompatible' };

const integerDigits: Readonly<Record<string, number>> = { smallint: 5, integer: 10, bigint: 19 };
const integerRank: Readonly<Record<string, number>> = { int2: 1, int4: 2, int8: 3 };
const kindRank: Readonly<Record<string, number>> = { smallint: 1, integer: 2, bigint: 3 };
/** Fractional-second digits of every Redshift timestamp and time type. */
const sourceSecondsPrecision = 6;

/** The target type as people write it: "varchar(5)", "numeric(10, 2)", "timestamp(3)". */
export function describeTargetType(target: TargetColumnType): string {
  const modifier = target.typeModifier;
  switch (target.typeName) {
    case 'varchar':
      return modifier < 0 ? 'varchar' : `varchar(${modifier - 4})`;
    case 'bpchar':
      return modifier < 0 ? 'char' : `char(${modifier - 4})`;
    case 'numeric': {
      const numeric = numericModifier(modifier);
      return numeric === null ? 'numeric' : `numeric(${numeric.precision}, ${numeric.scale})`;
    }
    case 'timestamp':
    case 'timestamptz':
    case 'time':
    case 'timetz':
      return modifier < 0 ? target.typeName : `${target.typeName}(${modifier})`;
    default:
      return target.typeName;
  }
}

export function checkTargetColumn(source: BatchColumn, target: TargetColumnType): TargetCompatibility {
  const exact = { verdict: 'exact' } as const;
  const incompatible = { verdict: 'incompatible' } as const;
  const widenTo = (widerType: string): TargetCompatibility => ({ verdict: 'narrower', widerType });
  const sourceType = postgresTypeOf(source);
  const modifier = target.typeModifier;
  switch (target.typeName) {
    case 'text':
      return source.kind === 'text' || source.kind === 'super' ? exact : incompatible;
    case 'varchar': {
      if (source.kind !== 'text') return incompatible;
      if (modifier < 0) return exact;
      const length = sourceLength(source);
      return length !== null && length <= modifier - 4 ? exact : widenTo(sourceType);
    }
    case 'bpchar': {
      // char(n) pads with blanks: only a fixed-length source keeps its values there.
      if (source.kind !== 'text' || !isFixedLength(source)) return incompatible;
      const length = sourceLength(source);
      return modifier < 0 || (length !== null && length <= modifier - 4) ? exact : widenTo(sourceType);
    }
    case 'int2':
    case 'int4':
    case 'int8': {
      const rank = integerRank[target.typeName] ?? 0;
      const sourceRank = kindRank[source.kind];
      if (sourceRank !== undefined) return sourceRank <= rank ? exact : widenTo(sourceType);
      if (source.kind === 'decimal') return widenTo(sourceType);
      return incompatible;
    }
    case 'numeric': {
      const digits = integerDigits[source.kind];
      if (digits === undefined && source.kind !== 'decimal') return incompatible;
      const numeric = numericModifier(modifier);
      if (numeric === null) return exact;
      const needed =
        digits !== undefined
          ? { precision: digits, scale: 0 }
          : source.precision !== null && source.precision > 0 && source.scale !== null
            ? { precision: source.precision, scale: source.scale }
            : null;
      if (needed === null) return widenTo('numeric');
      const fits =
        numeric.scale >= needed.scale && numeric.precision - numeric.scale >= needed.precision - needed.scale;
      if (fits) return exact;
      const scale = Math.max(numeric.scale, needed.scale);
      const precision = Math.max(numeric.precision - numeric.scale, needed.precision - needed.scale) + scale;
      return widenTo(precision > 1000 ? 'numeric' : `numeric(${precision}, ${scale})`);
    }
    case 'float4':
      if (source.kind === 'real') return exact;
      return source.kind === 'double' || source.kind in kindRank || source.kind === 'decimal'
        ? widenTo(sourceType)
        : incompatible;
    case 'float8':
      // A double holds every smallint and integer exactly; a bigint or a decimal it would round.
      if (source.kind === 'real' || source.kind === 'double') return exact;
      if (source.kind === 'smallint' || source.kind === 'integer') return exact;
      return source.kind === 'bigint' || source.kind === 'decimal' ? widenTo(sourceType) : incompatible;
    case 'bool':
      return source.kind === 'boolean' ? exact : incompatible;
    case 'date':
      if (source.kind === 'date') return exact;
      return source.kind === 'timestamp' ? widenTo(sourceType) : incompatible;
    case 'timestamp':
      if (source.kind === 'date') return exact;
      if (source.kind !== 'timestamp') return incompatible;
      return secondsFit(modifier) ? exact : widenTo(sourceType);
    case 'timestamptz':
      if (source.kind !== 'timestamptz') return incompatible;
      return secondsFit(modifier) ? exact : widenTo(sourceType);
    case 'time':
      if (source.kind !== 'time') return incompatible;
      return secondsFit(modifier) ? exact : widenTo(sourceType);
    case 'timetz':
      if (source.kind !== 'timetz') return incompatible;
      return secondsFit(modifier) ? exact : widenTo(sourceType);
    case 'jsonb':
    case 'json':
      return source.kind === 'super' ? exact : incompatible;
    case 'bytea':
      return source.kind === 'varbyte' ? exact : incompatible;
    default:
      return incompatible;
  }
}

function secondsFit(modifier: number): boolean {
  return modifier < 0 || modifier >= sourceSecondsPrecision;
}

function sourceLength(source: BatchColumn): number | null {
  return source.precision !== null && source.precision > 0 ? source.precision : null;
}

function isFixedLength(source: BatchColumn): boolean {
  return ['char', 'bpchar', 'character', 'nchar'].includes(source.sqlType.toLowerCase());
}

function numericModifier(modifier: number): { precision: number; scale: number } | null {
  if (modifier < 4) return null;
  const packed = modifier - 4;
  return { precision: (packed >> 16) & 0xffff, scale: packed & 0xffff };
}
