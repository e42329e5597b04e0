// Identifiers from the jobs file end up in SQL text, so they are validated when the file is
// read (before any SQL runs) and only ever emitted quoted. A name is a plain identifier or a
// double-quoted one; anything else (quotes inside, semicolons, comments) is rejected.
const plainIdentifier = /^[A-Za-z_][A-Za-z0-9_$]{0,126}$/;
const quotedIdentifier = /^"((?:[^"]|""){1,127})"$/;

/** Parses one identifier; returns its canonical (unquoted) name, or undefined when invalid. */
export function parseIdentifier(text: string): string | undefined {
  if (plainIdentifier.test(text)) {
    // Unquoted identifiers fold to lower case in PostgreSQL and Redshift.
    return text.toLowerCase();
  }
  // NUL cannot be stored in an identifier (or anywhere in PostgreSQL text).
  if (text.includes('\0')) return undefined;
  const quoted = quotedIdentifier.exec(text);
  return quoted?.[1]?.replace(/""/g, '"');
}

export interface QualifiedName {
  readonly schema: string | undefined;
  readonly name: string;
}

/** Parses `table` or `schema.table` (each part plain or quoted). */
export function parseQualifiedName(text: string): QualifiedName | undefined {
  const parts = splitQualified(text.trim());
  if (parts === undefined || parts.length < 1 || parts.length > 2) return undefined;
  const parsed = parts.map(parseIdentifier);
  if (parsed.some((part) => part === undefined)) return undefined;
  const [first, second] = parsed;
  if (first === undefined) return undefined;
  return second === undefined ? { schema: undefined, name: first } : { schema: first, name: second };
}

export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function quoteQualifiedName(name: QualifiedName): string {
  return name.schema === undefined
    ? quoteIdentifier(name.name)
    : `${quoteIdentifier(name.schema)}.${quoteIdentifier(name.name)}`;
}

function splitQualified(text: string): string[] | undefined {
  const parts: string[] = [];
  let current = '';
  let inQuotes = false;
  for (let index = 0; index < text.length; index++) {
    const character = text[index];
    if (character === '"') {
      inQuotes = !inQuotes;
      current += character;
    } else if (character === '.' && !inQuotes) {
      parts.push(current);
      current = '';
    } else {
      current += character;
    }
  }
  if (inQuotes) return undefined;
  parts.push(current);
  return parts;
}
