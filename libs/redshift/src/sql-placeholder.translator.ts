// Named SQL parameters (`:name`, the Data API's syntax) and their translation to PostgreSQL's
// positional `$n`. Shared by the local Data API endpoint (which must run the SQL on PostgreSQL)
// and the gateway (which checks a request before paying for a round trip). The scanner knows
// enough SQL lexing to leave `::casts`, quoted text, identifiers and comments alone, because a
// placeholder found inside a string literal would silently change the query.

export interface TranslatedSql {
  /** The SQL with every `:name` replaced by `$n`. */
  readonly text: string;
  /** Parameter names in positional order: `names[0]` binds `$1`. A name used twice binds once. */
  readonly names: readonly string[];
}

const identifierStart = /[A-Za-z_]/;
const identifierPart = /[A-Za-z0-9_]/;

type Segment =
  { readonly kind: 'sql'; readonly text: string } | { readonly kind: 'placeholder'; readonly name: string };

/** Splits SQL into literal text and placeholders; everything quoted or commented stays literal. */
function scan(sql: string): Segment[] {
  const segments: Segment[] = [];
  let literalStart = 0;
  let index = 0;
  const pushLiteral = (end: number): void => {
    if (end > literalStart) segments.push({ kind: 'sql', text: sql.slice(literalStart, end) });
  };
  while (index < sql.length) {
    const char = sql[index] ?? '';
    const next = sql[index + 1] ?? '';
    if (char === "'") {
      // E'..' strings allow backslash escapes; standard strings only the doubled quote.
      const previous = sql[index - 1] ?? '';
      const backslashEscapes =
        (previous === 'E' || previous === 'e') && !identifierPart.test(sql[index - 2] ?? '');
      index = skipQuoted(sql, index, "'", backslashEscapes);
    } else if (char === '"') {
      index = skipQuoted(sql, index, '"', false);
    } else if (char === '-' && next === '-') {
      const end = sql.indexOf('\n', index);
      index = end === -1 ? sql.length : end + 1;
    } else if (char === '/' && next === '*') {
      index = skipBlockComment(sql, index);
    } else if (char === '$') {
      index = skipDollarQuoted(sql, index);
    } else if (char === ':' && next === ':') {
      index += 2;
    } else if (char === ':' && identifierStart.test(next) && sql[index - 1] !== ':') {
      let end = index + 1;
      while (end < sql.length && identifierPart.test(sql[end] ?? '')) end += 1;
      pushLiteral(index);
      segments.push({ kind: 'placeholder', name: sql.slice(index + 1, end) });
      literalStart = end;
      index = end;
    } else {
      index += 1;
    }
  }
  pushLiteral(sql.length);
  return segments;
}

function skipQuoted(sql: string, start: number, quote: string, backslashEscapes: boolean): number {
  let index = start + 1;
  while (index < sql.length) {
    const char = sql[index];
    if (backslashEscapes && char === '\\') {
      index += 2;
    } else if (char === quote) {
      if (sql[index + 1] === quote) index += 2;
      else return index + 1;
    } else {
      index += 1;
    }
  }
  return sql.length;
}

function skipBlockComment(sql: string, start: number): number {
  // PostgreSQL block comments nest.
  let depth = 0;
  let index = start;
  while (index < sql.length) {
    if (sql.startsWith('/*', index)) {
      depth += 1;
      index += 2;
    } else if (sql.startsWith('*/', index)) {
      depth -= 1;
      index += 2;
      if (depth === 0) return index;
    } else {
      index += 1;
    }
  }
  return sql.length;
}

function skipDollarQuoted(sql: string, start: number): number {
  const match = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(start));
  // `$1` or a `$` inside an identifier is not a dollar quote.
  if (match === null || identifierPart.test(sql[start - 1] ?? '')) return start + 1;
  const tag = match[0];
  const end = sql.indexOf(tag, start + tag.length);
  return end === -1 ? sql.length : end + tag.length;
}

/** The distinct placeholder names in order of first use. */
export function findNamedPlaceholders(sql: string): string[] {
  const names: string[] = [];
  for (const segment of scan(sql)) {
    if (segment.kind === 'placeholder' && !names.includes(segment.name)) names.push(segment.name);
  }
  return names;
}

/**
 * `as`: a type every parameter is bound as (`varchar` for the local endpoint: the Data API passes
 * every value as a string, so a comparison with a number is only right when the SQL casts it).
 */
export function translateNamedPlaceholders(sql: string, options: { as?: string } = {}): TranslatedSql {
  const names: string[] = [];
  const suffix = options.as === undefined ? '' : `::${options.as}`;
  const parts = scan(sql).map((segment) => {
    if (segment.kind === 'sql') return segment.text;
    let position = names.indexOf(segment.name);
    if (position === -1) position = names.push(segment.name) - 1;
    return `$${position + 1}${suffix}`;
  });
  return { text: parts.join(''), names };
}
