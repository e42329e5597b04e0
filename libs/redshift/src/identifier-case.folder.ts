// Redshift folds delimited identifiers to lower case ("OrderId" names the column orderid) unless
// a session turns enable_case_sensitive_identifier on; PostgreSQL keeps their case. The local
// Data API endpoint folds them before running a statement on PostgreSQL, so a job written with
// mixed-case names meets the same answer locally as on a cluster. Quoted text, comments and
// dollar quotes are left as they are.

/** The SQL with the contents of every "delimited identifier" in lower case. */
export function foldDelimitedIdentifiers(sql: string): string {
  let folded = '';
  let index = 0;
  while (index < sql.length) {
    const char = sql[index] ?? '';
    const next = sql[index + 1] ?? '';
    let end: number;
    if (char === '"') {
      end = closingQuote(sql, index, '"', false);
      folded += sql.slice(index, end).toLowerCase();
      index = end;
      continue;
    }
    if (char === "'") {
      const previous = sql[index - 1] ?? '';
      const backslashEscapes =
        (previous === 'E' || previous === 'e') && !/[A-Za-z0-9_]/.test(sql[index - 2] ?? '');
      end = closingQuote(sql, index, "'", backslashEscapes);
    } else if (char === '-' && next === '-') {
      const newline = sql.indexOf('\n', index);
      end = newline === -1 ? sql.length : newline + 1;
    } else if (char === '/' && next === '*') {
      const close = sql.indexOf('*/', index + 2);
      end = close === -1 ? sql.length : close + 2;
    } else {
      end = index + 1;
    }
    folded += sql.slice(index, end);
    index = end;
  }
  return folded;
}

function closingQuote(sql: string, start: number, quote: string, backslashEscapes: boolean): number {
  let index = start + 1;
  while (index < sql.length) {
    const char = sql[index];
    if (backslashEscapes && char === '\\') index += 2;
    else if (char === quote) {
      if (sql[index + 1] === quote) index += 2;
      else return index + 1;
    } else index += 1;
  }
  return sql.length;
}
