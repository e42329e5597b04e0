// The verify's row keys, kept as one string per row while both sides' rows of a chunk of buckets
// are compared (a Map key), and turned back into canonical key texts only for the keys that differ.
import { QuperSyncError } from '@qupersync/contracts';
import type { SourceValue } from '@qupersync/redshift';

/** A value's canonical text as the checksum statements print it; bytes as hex, NULL as ''. */
export function canonicalText(value: SourceValue | undefined): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  return String(value);
}

/** A row's key as one string: the canonical text of a one-column key, else its texts as JSON. */
export function keyIdOf(row: readonly SourceValue[], keyColumns: number): string {
  if (keyColumns === 1) return canonicalText(row[0]);
  return JSON.stringify(row.slice(0, keyColumns).map(canonicalText));
}

/** The key's canonical texts back from keyIdOf's string. */
export function keyValuesOf(id: string, keyColumns: number): string[] {
  if (keyColumns === 1) return [id];
  const parsed: unknown = JSON.parse(id);
  if (
    !Array.isArray(parsed) ||
    parsed.length !== keyColumns ||
    !parsed.every((value): value is string => typeof value === 'string')
  )
    throw new QuperSyncError('INTERNAL', 'permanent', `not a key id of ${keyColumns} columns: ${id}`);
  return parsed;
}
