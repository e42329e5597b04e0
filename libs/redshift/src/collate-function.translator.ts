// Redshift's COLLATE(<string>, 'case_sensitive' | 'cs' | 'case_insensitive' | 'ci') function,
// which PostgreSQL spells as the COLLATE clause. The extractor pages a key column whose collation
// is case-insensitive through COLLATE(q."key", 'case_sensitive'), because two keys that compare
// equal (`a`, `A`) would let keyset paging skip one of them; the local endpoint rewrites the
// function to `(q."key" COLLATE <collation>)` before running the statement. Only a column
// reference (a dotted path of plain or quoted names) is rewritten: that is all the extractor writes.

const name = String.raw`(?:[A-Za-z_][A-Za-z0-9_$]*|"(?:[^"]|"")+")`;
const collateCall = new RegExp(
  String.raw`\bCOLLATE\(\s*(${name}(?:\s*\.\s*${name})*)\s*,\s*'(case_sensitive|cs|case_insensitive|ci)'\s*\)`,
  'gi',
);

export interface CollationNames {
  /** A deterministic, case-sensitive collation, e.g. `"C"`. */
  readonly caseSensitive: string;
  /** A case-insensitive (non-deterministic) collation. */
  readonly caseInsensitive: string;
}

export function translateCollateFunction(sql: string, collations: CollationNames): string {
  return sql.replace(collateCall, (_match, column: string, collation: string) => {
    const sensitive = /^(case_sensitive|cs)$/i.test(collation);
    return `(${column} COLLATE ${sensitive ? collations.caseSensitive : collations.caseInsensitive})`;
  });
}
