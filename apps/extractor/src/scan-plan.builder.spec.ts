import {
  buildRangeStatsStatement,
  buildSortKeyStatement,
  cutRangeBounds,
  describeScanPlan,
  sortKeyColumnOf,
} from './scan-plan.builder';

describe('sortKeyColumnOf', () => {
  it('reads the first sort key column from SVV_TABLE_INFO.sortkey1', () => {
    expect(sortKeyColumnOf('updated_at')).toBe('updated_at');
    expect(sortKeyColumnOf('AUTO(SORTKEY(id))')).toBe('id');
    expect(sortKeyColumnOf('AUTO(SORTKEY)')).toBeUndefined();
    expect(sortKeyColumnOf('INTERLEAVED')).toBeUndefined();
    expect(sortKeyColumnOf(null)).toBeUndefined();
    expect(sortKeyColumnOf('')).toBeUndefined();
  });
});

describe('buildSortKeyStatement', () => {
  it('asks SVV_TABLE_INFO by schema and table, public when the job names none', () => {
    expect(buildSortKeyStatement({ name: 'orders' }).parameters).toEqual({
      table_schema: 'public',
      table_name: 'orders',
    });
    expect(buildSortKeyStatement({ schema: 'sales', name: 'orders' }).sql).toContain(
      '"schema" = CAST(:table_schema AS VARCHAR(128))',
    );
  });
});

describe('buildRangeStatsStatement', () => {
  it('reads MIN, MAX and COUNT of the key over the run window, values cast to the key type', () => {
    const statement = buildRangeStatsStatement({
      source: '"orders"',
      column: 'updated_at',
      castType: 'TIMESTAMP',
      from: '2024-01-01 00:00:00',
      upTo: '2024-02-01 00:00:00',
    });
    expect(statement.sql).toBe(
      'SELECT CAST(MIN(q."updated_at") AS VARCHAR) AS low, CAST(MAX(q."updated_at") AS VARCHAR) AS high, ' +
        'COUNT(*) AS row_count FROM "orders" AS q WHERE q."updated_at" IS NOT NULL AND ' +
        'q."updated_at" >= CAST(:range_from AS TIMESTAMP) AND q."updated_at" <= CAST(:range_up_to AS TIMESTAMP)',
    );
    expect(statement.parameters).toEqual({
      range_from: '2024-01-01 00:00:00',
      range_up_to: '2024-02-01 00:00:00',
    });
  });
});

describe('cutRangeBounds', () => {
  const bigint = { kind: 'bigint' as const, scale: null };

  it('cuts an integer key evenly into about rows / rowsPerRange ranges', () => {
    expect(cutRangeBounds(bigint, '1', '1000', 1000, 250)).toEqual(['250', '500', '750']);
    expect(cutRangeBounds(bigint, '1', '1000', 100, 250)).toEqual([]);
  });

  it('stays exact above 2^53 and never repeats a bound', () => {
    expect(cutRangeBounds(bigint, '9007199254740993', '9007199254740999', 1000, 100)).toEqual([
      '9007199254740993',
      '9007199254740994',
      '9007199254740995',
      '9007199254740996',
      '9007199254740997',
      '9007199254740998',
    ]);
  });

  it('cuts decimals, dates and timestamps in their own notation', () => {
    expect(cutRangeBounds({ kind: 'decimal', scale: 2 }, '-1.00', '1.00', 40, 10)).toEqual([
      '-0.50',
      '0.00',
      '0.50',
    ]);
    expect(cutRangeBounds({ kind: 'date', scale: null }, '2024-01-01', '2024-01-05', 4, 1)).toEqual([
      '2024-01-02',
      '2024-01-03',
      '2024-01-04',
    ]);
    expect(
      cutRangeBounds(
        { kind: 'timestamptz', scale: null },
        '2024-01-01 00:00:00+00',
        '2024-01-01 00:00:01+00',
        2,
        1,
      ),
    ).toEqual(['2024-01-01 00:00:00.500000+00']);
  });

  it('gives no ranges for a type that cannot be cut (text), so the plan is a single scan', () => {
    expect(cutRangeBounds({ kind: 'text', scale: null }, 'a', 'z', 1000, 10)).toBeUndefined();
  });
});

describe('describeScanPlan', () => {
  it('names the plan and its ranges or its reason', () => {
    expect(describeScanPlan({ kind: 'sort_key_ranges', column: 'id', bounds: ['5', '10'] })).toBe(
      'sort_key_ranges: 3 ranges on sort key id',
    );
    expect(describeScanPlan({ kind: 'single_scan', reason: 'the table has no sort key' })).toBe(
      'single_scan: the table has no sort key',
    );
  });
});
