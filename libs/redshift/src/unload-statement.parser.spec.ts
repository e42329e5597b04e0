import { isUnloadStatement, parseUnloadStatement, UnloadSyntaxError } from './unload-statement.parser';

const role = "IAM_ROLE 'arn:aws:iam::123456789012:role/unload'";

describe('parseUnloadStatement', () => {
  it('reads the SELECT with its doubled quotes and backslash escapes undone', () => {
    const statement = parseUnloadStatement(
      `UNLOAD ('SELECT * FROM t WHERE name = ''O''''Brien'' AND path = ''a\\\\b''') TO 's3://bucket/jobs/run/' ${role} FORMAT AS CSV MANIFEST VERBOSE PARALLEL ON`,
    );
    expect(statement.query).toBe("SELECT * FROM t WHERE name = 'O''Brien' AND path = 'a\\b'");
    expect(statement.to).toEqual({ bucket: 'bucket', key: 'jobs/run/' });
    expect(statement).toMatchObject({ format: 'csv', manifest: 'verbose', parallel: true, header: false });
    expect(isUnloadStatement('  unload (')).toBe(true);
    expect(isUnloadStatement('SELECT 1')).toBe(false);
  });

  it('reads every option it supports', () => {
    const statement = parseUnloadStatement(
      `unload ('select 1') to 's3://b-1/p_' iam_role default csv header null as '\\\\N' parallel off maxfilesize 5 mb allowoverwrite extension 'csv'`,
    );
    expect(statement).toMatchObject({
      iamRole: 'DEFAULT',
      header: true,
      nullAs: '\\N',
      parallel: false,
      maxFileBytes: 5 * 1024 * 1024,
      allowOverwrite: true,
      extension: 'csv',
      manifest: 'none',
    });
  });

  it.each([
    [`UNLOAD ('SELECT 1') TO 's3://bucket/p/' FORMAT CSV`, /needs an authorization/],
    [`UNLOAD ('SELECT * FROM t LIMIT 10') TO 's3://bucket/p/' ${role} FORMAT CSV`, /Limit clause/],
    [`UNLOAD ('SELECT 1') TO 's3://bucket/p/' ${role}`, /pipe-delimited text/],
    [`UNLOAD ('SELECT 1') TO 's3://bucket/p/' ${role} FORMAT JSON`, /FORMAT JSON is not supported/],
    [`UNLOAD ('SELECT 1') TO 's3://bucket/p/' ${role} FORMAT CSV GZIP`, /option GZIP is not supported/],
    [`UNLOAD ('SELECT 1') TO 's3://bucket/p/' ${role} FORMAT CSV MAXFILESIZE 1 MB`, /between 5 MB/],
    [`UNLOAD ('SELECT 1') TO 'https://bucket/p/' ${role} FORMAT CSV`, /not a valid S3 path/],
    [`UNLOAD ('SELECT 1) TO 's3://bucket/p/' ${role} FORMAT CSV`, /expected|not closed/],
    [`UNLOAD ('SELECT 1') TO 's3://bucket/p/' IAM_ROLE 'role' FORMAT CSV`, /not an IAM role ARN/],
    [
      `UNLOAD ('SELECT 1') TO 's3://bucket/p/' ${role} FORMAT PARQUET HEADER`,
      /cannot be used with FORMAT PARQUET/,
    ],
    [
      `UNLOAD ('SELECT 1') TO 's3://bucket/p/' ${role} FORMAT CSV ALLOWOVERWRITE CLEANPATH`,
      /cannot be used together/,
    ],
  ])('refuses %s', (sql, message) => {
    expect(() => parseUnloadStatement(sql)).toThrow(UnloadSyntaxError);
    expect(() => parseUnloadStatement(sql)).toThrow(message);
  });
});
