import { parseUnloadStatement } from '@qupersync/redshift';
import { buildUnloadStatement, inlineParameters, safeLiteral } from './unload-statement.builder';

describe('safeLiteral', () => {
  it.each([
    ['plain', "'plain'"],
    ["O'Brien", "('O' || CHR(39) || 'Brien')"],
    ['a\\b', "('a' || CHR(92) || 'b')"],
    ["'", 'CHR(39)'],
    ["\\'; DROP TABLE t; --", "(CHR(92) || CHR(39) || '; DROP TABLE t; --')"],
    ['', "''"],
  ])('writes %j without a quote or backslash inside', (value, literal) => {
    expect(safeLiteral(value)).toBe(literal);
  });
});

describe('buildUnloadStatement', () => {
  const hostile = ["O'Brien", 'back\\slash', "\\'", "'';--", ':cursor_1', 'ünïcødé ✓', 'line\nbreak'];

  it.each(hostile)('round-trips %j through UNLOAD literal escaping exactly', (value) => {
    const query = inlineParameters(
      'SELECT * FROM t AS q WHERE q.k > CAST(:cursor_0 AS VARCHAR(50)) AND q.j = CAST(:cursor_1 AS VARCHAR(50))',
      { cursor_0: value, cursor_1: 'x' },
    );
    const sql = buildUnloadStatement({
      query,
      to: 's3://bucket/jobs/j/run/attempt/',
      iamRole: 'arn:aws:iam::123456789012:role/unload',
      format: 'csv',
      maxFileMb: 64,
    });
    const parsed = parseUnloadStatement(sql);
    // The SELECT arrives as built, and its literals rebuild the value character for character.
    expect(parsed.query).toBe(query);
    expect(parsed.to).toEqual({ bucket: 'bucket', key: 'jobs/j/run/attempt/' });
    expect(parsed).toMatchObject({ format: 'csv', manifest: 'verbose', parallel: true });
    const literal = /q\.k > CAST\(([\s\S]*) AS VARCHAR\(50\)\) AND/.exec(parsed.query)?.[1] ?? '';
    expect(evaluateLiteral(literal)).toBe(value);
    expect(parsed.query).toContain("q.j = CAST('x' AS VARCHAR(50))");
  });

  it('asks for Parquet files of at most MAXFILESIZE, with the same manifest and parallelism', () => {
    const sql = buildUnloadStatement({
      query: 'SELECT q."id" FROM t AS q',
      to: 's3://bucket/jobs/j/run/attempt/',
      iamRole: 'arn:aws:iam::123456789012:role/r',
      format: 'parquet',
      maxFileMb: 256,
    });
    expect(sql).toMatch(/FORMAT AS PARQUET MAXFILESIZE 256 MB MANIFEST VERBOSE PARALLEL ON$/);
    expect(parseUnloadStatement(sql)).toMatchObject({
      format: 'parquet',
      manifest: 'verbose',
      parallel: true,
      maxFileBytes: 256 * 1024 * 1024,
    });
  });

  it('refuses a query that still has a placeholder', () => {
    expect(() =>
      buildUnloadStatement({
        query: 'SELECT * FROM t WHERE k > CAST(:cursor_0 AS BIGINT)',
        to: 's3://b/p/',
        iamRole: 'arn:aws:iam::123456789012:role/r',
        format: 'csv',
        maxFileMb: 64,
      }),
    ).toThrow(/inline its values/);
  });
});

/** Evaluates 'text' || CHR(n) || … as SQL would (the only shapes safeLiteral writes). */
function evaluateLiteral(expression: string): string {
  const body = expression.startsWith('(') ? expression.slice(1, -1) : expression;
  return body
    .split(' || ')
    .map((part) => {
      const chr = /^CHR\((\d+)\)$/.exec(part);
      if (chr !== null) return String.fromCharCode(Number(chr[1]));
      expect(part.startsWith("'") && part.endsWith("'")).toBe(true);
      const inner = part.slice(1, -1);
      expect(inner).not.toMatch(/['\\]/);
      return inner;
    })
    .join('');
}
