import { demoColumns, fingerprintSql, insertInitialRowsSql, insertNewRowsSql } from './demo.sql';

describe('demo SQL', () => {
  it('casts every column to its source type in the fingerprint, in id order', () => {
    const sql = fingerprintSql();
    for (const column of demoColumns) expect(sql).toContain(`t.${column.name}::${column.type}`);
    expect(sql).toContain("E'\\n' ORDER BY t.id");
  });

  it('generates the initial rows from 1 and the new rows right after them', () => {
    expect(insertInitialRowsSql(100_000)).toContain('generate_series(1::bigint, 100000::bigint)');
    expect(insertNewRowsSql(100_000)).toContain('generate_series(100001::bigint, 101000::bigint)');
  });

  it('keeps ids above 2^53 and a 4-byte character in the data', () => {
    const sql = insertInitialRowsSql(1000);
    expect(sql).toContain('9007199254740993 + g');
    expect(sql).toContain('🚀');
  });

  it('refuses a nonsensical row count', () => {
    expect(() => insertInitialRowsSql(0)).toThrow(RangeError);
  });
});
