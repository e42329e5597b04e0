// Builds the UNLOAD statement of an extraction. UNLOAD's SELECT is a string literal, so Data API
// parameters cannot reach it: bound values are inlined instead, and inlined safely. A value is
// written as plain single-quoted text with every quote and backslash taken out and put back as
// CHR(39) / CHR(92), so no value can end its literal or escape anything, whatever Redshift's
// backslash rules. The whole SELECT is then escaped once more as UNLOAD's literal ('' and \\).
// Files go to an attempt's own prefix, so a retry never meets an earlier attempt's files.

/** `CAST(:name AS type)` placeholders replaced by safe literals, in one pass (a value is never rescanned). */
export function inlineParameters(sql: string, parameters: Readonly<Record<string, string>>): string {
  const names = Object.keys(parameters).sort((a, b) => b.length - a.length);
  if (names.length === 0) return sql;
  const pattern = new RegExp(
    `:(${names.map((name) => name.replace(/[^A-Za-z0-9_]/g, '')).join('|')})\\b`,
    'g',
  );
  return sql.replace(pattern, (_match, name: string) => safeLiteral(parameters[name] ?? ''));
}

/** A string literal that holds `value` exactly and contains neither a quote nor a backslash. */
export function safeLiteral(value: string): string {
  const parts: string[] = [];
  let text = '';
  for (const char of value) {
    if (char === "'" || char === '\\') {
      if (text !== '') parts.push(`'${text}'`);
      text = '';
      parts.push(char === "'" ? 'CHR(39)' : 'CHR(92)');
    } else text += char;
  }
  if (text !== '' || parts.length === 0) parts.push(`'${text}'`);
  return parts.length === 1 ? (parts[0] ?? "''") : `(${parts.join(' || ')})`;
}

/** Text as the body of a Redshift string literal: quotes doubled, backslashes escaped. */
export function escapeLiteralBody(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/'/g, "''");
}

export interface UnloadStatementInput {
  /** The SELECT, with every value already inlined (no placeholders). */
  readonly query: string;
  /** s3://bucket/prefix/ ending in '/': the attempt's own folder. */
  readonly to: string;
  readonly iamRole: string;
  readonly format: 'csv' | 'parquet';
  /** MAXFILESIZE in MB: files are the units the extractors share, so they are kept small. */
  readonly maxFileMb: number;
}

export function buildUnloadStatement(input: UnloadStatementInput): string {
  if (/:[A-Za-z_]\w*\b/.test(input.query.replace(/'[^']*'/g, '').replace(/::/g, '')))
    throw new Error('an UNLOAD query cannot carry Data API parameters: inline its values first');
  return (
    `UNLOAD ('${escapeLiteralBody(input.query)}') TO '${escapeLiteralBody(input.to)}' ` +
    `IAM_ROLE '${escapeLiteralBody(input.iamRole)}' FORMAT AS ${input.format === 'parquet' ? 'PARQUET' : 'CSV'} ` +
    `MAXFILESIZE ${input.maxFileMb} MB MANIFEST VERBOSE PARALLEL ON`
  );
}
