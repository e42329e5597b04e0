import { translateCollateFunction } from './collate-function.translator';

const collations = { caseSensitive: '"C"', caseInsensitive: 'qupersync_redshift.case_insensitive' };

describe('translateCollateFunction', () => {
  it("rewrites Redshift's COLLATE function on a column as PostgreSQL's COLLATE clause", () => {
    expect(
      translateCollateFunction(
        `SELECT 1 FROM t AS q WHERE COLLATE(q."code", 'case_sensitive') > CAST($1 AS VARCHAR(10)) ORDER BY COLLATE(q."code", 'cs')`,
        collations,
      ),
    ).toBe(
      `SELECT 1 FROM t AS q WHERE (q."code" COLLATE "C") > CAST($1 AS VARCHAR(10)) ORDER BY (q."code" COLLATE "C")`,
    );
    expect(translateCollateFunction(`collate(name, 'CI') = 'x'`, collations)).toBe(
      `(name COLLATE qupersync_redshift.case_insensitive) = 'x'`,
    );
  });

  it('leaves other SQL, including a COLLATE clause, alone', () => {
    const sql = `SELECT a COLLATE "C", COLLATE(lower(a), 'cs') FROM t`;
    expect(translateCollateFunction(sql, collations)).toBe(sql);
  });
});
