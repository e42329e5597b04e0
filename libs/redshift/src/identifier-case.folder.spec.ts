import { foldDelimitedIdentifiers } from './identifier-case.folder';

describe('foldDelimitedIdentifiers', () => {
  it('folds delimited identifiers to lower case, as Redshift does by default', () => {
    expect(foldDelimitedIdentifiers('SELECT q."OrderId", "Amount" FROM "Sales"."Orders" AS q')).toBe(
      'SELECT q."orderid", "amount" FROM "sales"."orders" AS q',
    );
  });

  it('keeps a doubled quote inside an identifier', () => {
    expect(foldDelimitedIdentifiers('SELECT 1 AS "Say ""Hi"""')).toBe('SELECT 1 AS "say ""hi"""');
  });

  it('leaves string literals, escapes and comments alone', () => {
    const sql = `SELECT 'It''s "Mixed"', E'\\'"Q"', x -- "Comment"\n/* "Block" */ FROM "T"`;
    expect(foldDelimitedIdentifiers(sql)).toBe(
      `SELECT 'It''s "Mixed"', E'\\'"Q"', x -- "Comment"\n/* "Block" */ FROM "t"`,
    );
  });
});
