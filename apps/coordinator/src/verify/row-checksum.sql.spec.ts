import { canonicalRow, canonicalText, checksumStatements, hash60 } from './row-checksum.sql';

describe('canonicalText', () => {
  it('prints each kind the same way on both sides: scale kept, instants in UTC to the microsecond', () => {
    const column = (kind: Parameters<typeof canonicalText>[0]['kind'], blankPadded = false) => ({
      name: 'c',
      kind,
      blankPadded,
    });
    expect(canonicalText(column('decimal'))).toBe('CAST(q."c" AS VARCHAR)');
    expect(canonicalText(column('boolean'))).toBe(`CASE WHEN q."c" THEN 't' WHEN NOT q."c" THEN 'f' END`);
    expect(canonicalText(column('timestamptz'))).toBe(
      `TO_CHAR(q."c" AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')`,
    );
    expect(canonicalText(column('text', true))).toBe('RTRIM(q."c")');
    expect(() => canonicalText(column('super'))).toThrow('no canonical text');
  });
});

describe('canonicalRow', () => {
  it('length-prefixes text values and spells NULL apart, so no two rows share a text', () => {
    expect(
      canonicalRow([
        { name: 'a', kind: 'text', blankPadded: false },
        { name: 'n', kind: 'integer', blankPadded: false },
      ]),
    ).toBe(
      `COALESCE(CAST(LENGTH(CAST(q."a" AS VARCHAR)) AS VARCHAR) || ':' || CAST(q."a" AS VARCHAR), 'N') || '|' || COALESCE(CAST(q."n" AS VARCHAR), 'N')`,
    );
  });
});

describe('hash60', () => {
  it('uses STRTOL in Redshift and a bit cast in PostgreSQL, summed as a 38-digit decimal', () => {
    expect(hash60('redshift', 'x')).toBe('CAST(STRTOL(SUBSTRING(MD5(x), 1, 15), 16) AS DECIMAL(38, 0))');
    expect(hash60('postgres', 'x')).toBe(
      "CAST(CAST(CAST('x' || SUBSTRING(MD5(x), 1, 15) AS BIT(60)) AS BIGINT) AS NUMERIC(38, 0))",
    );
  });
});

describe('checksumStatements', () => {
  const statements = checksumStatements({
    dialect: 'postgres',
    source: '"public"."t"',
    key: [{ name: 'id', kind: 'bigint', blankPadded: false }],
    columns: [
      { name: 'id', kind: 'bigint', blankPadded: false },
      { name: 'note', kind: 'text', blankPadded: false },
    ],
  });

  it('buckets by the key hash prefix, restricted to the parents one level up, as literals', () => {
    const sql = statements.bucketed(3, ['a1', '0f']);
    expect(sql).toMatch(/^SELECT SUBSTRING\(MD5\(.+\), 1, 3\) AS b, COUNT\(\*\) AS n, SUM\(/);
    expect(sql).toMatch(/WHERE SUBSTRING\(MD5\(.+\), 1, 2\) IN \('a1', '0f'\) GROUP BY 1$/);
    expect(statements.bucketed(1, null)).not.toContain('WHERE');
    expect(() => statements.bucketed(2, ["a' OR '1"])).toThrow('not a bucket name');
  });

  it('lists the rows of buckets as key texts and a row hash', () => {
    expect(statements.rows(4, ['abcd'])).toMatch(
      /^SELECT CAST\(q."id" AS VARCHAR\) AS k0, MD5\(.+\) AS h FROM "public"."t" AS q WHERE SUBSTRING\(MD5\(.+\), 1, 4\) IN \('abcd'\)$/,
    );
  });
});
