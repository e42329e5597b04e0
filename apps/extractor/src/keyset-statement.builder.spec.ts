import { buildColumn } from '@qupersync/testing';
import {
  buildKeysetStatement,
  buildKeyListStatement,
  buildNullKeyStatement,
  castTypeOf,
  keysetPredicate,
} from './keyset-statement.builder';

describe('keysetPredicate', () => {
  it('spells out a composite comparison so equal leading values fall through to the next key', () => {
    expect(keysetPredicate(['w', 'a', 'b'], [':x', ':y', ':z'])).toBe(
      '(w > :x OR (w = :x AND (a > :y OR (a = :y AND b > :z))))',
    );
  });
});

describe('buildKeysetStatement', () => {
  it('pages a full extraction by primary key with a bounded LIMIT', () => {
    const statement = buildKeysetStatement({
      source: '"public"."orders"',
      castTypes: { id: 'BIGINT', updated_at: 'TIMESTAMP', line: 'INTEGER' },
      projection: ['q."id"'],
      keyColumns: ['id'],
      cursor: ['41'],
      limit: 500,
    });
    expect(statement.sql).toBe(
      'SELECT q."id" FROM "public"."orders" AS q WHERE q."id" IS NOT NULL AND q."id" > CAST(:cursor_0 AS BIGINT) ORDER BY q."id" LIMIT 500',
    );
    expect(statement.parameters).toEqual({ cursor_0: '41' });
  });

  it('bounds an incremental extraction above and starts strictly after the (watermark, key) cursor', () => {
    const statement = buildKeysetStatement({
      source: '"orders"',
      castTypes: { id: 'BIGINT', updated_at: 'TIMESTAMP', line: 'INTEGER' },
      projection: ['q."id"', 'q."updated_at"'],
      keyColumns: ['updated_at', 'id'],
      cursor: ['2024-01-01 00:00:00.000001', '7'],
      limit: 10,
      watermark: { column: 'updated_at', upperBound: '2024-02-01 00:00:00', lookbackFrom: null },
    });
    expect(statement.sql).toContain('q."updated_at" <= CAST(:upper_bound AS TIMESTAMP)');
    expect(statement.sql).toContain(
      '(q."updated_at" > CAST(:cursor_0 AS TIMESTAMP) OR (q."updated_at" = CAST(:cursor_0 AS TIMESTAMP) AND q."id" > CAST(:cursor_1 AS BIGINT)))',
    );
    expect(statement.sql).toContain('ORDER BY q."updated_at", q."id" LIMIT 10');
    // A plain lower bound on the leading column, for zone maps.
    expect(statement.sql).toContain('q."updated_at" >= CAST(:cursor_floor AS TIMESTAMP)');
    expect(statement.parameters).toEqual({
      upper_bound: '2024-02-01 00:00:00',
      cursor_floor: '2024-01-01 00:00:00.000001',
      cursor_0: '2024-01-01 00:00:00.000001',
      cursor_1: '7',
    });
  });

  it('pages a case-insensitive key case-sensitively, so keys that differ only in case are not skipped', () => {
    const statement = buildKeysetStatement({
      source: '"codes"',
      castTypes: { code: 'VARCHAR(10)' },
      projection: ['q."code"'],
      keyColumns: ['code'],
      cursor: ['abc'],
      limit: 10,
      caseInsensitiveColumns: ['code'],
    });
    expect(statement.sql).toBe(
      `SELECT q."code" FROM "codes" AS q WHERE COLLATE(q."code", 'case_sensitive') IS NOT NULL AND ` +
        `COLLATE(q."code", 'case_sensitive') > CAST(:cursor_0 AS VARCHAR(10)) ` +
        `ORDER BY COLLATE(q."code", 'case_sensitive') LIMIT 10`,
    );
  });

  it('bounds a sort-key range on both sides of the leading column', () => {
    const statement = buildKeysetStatement({
      source: '"orders"',
      castTypes: { id: 'BIGINT' },
      projection: ['q."id"'],
      keyColumns: ['id'],
      cursor: ['41'],
      limit: 100,
      rangeUpTo: '5000',
    });
    expect(statement.sql).toBe(
      'SELECT q."id" FROM "orders" AS q WHERE q."id" IS NOT NULL AND q."id" <= CAST(:range_to AS BIGINT) ' +
        'AND q."id" > CAST(:cursor_0 AS BIGINT) ORDER BY q."id" LIMIT 100',
    );
    expect(statement.parameters).toEqual({ range_to: '5000', cursor_0: '41' });
    const last = buildKeysetStatement({
      source: '"orders"',
      castTypes: { id: 'BIGINT' },
      projection: ['q."id"'],
      keyColumns: ['id'],
      cursor: null,
      limit: 100,
      rangeUpTo: null,
    });
    expect(last.sql).not.toContain('range_to');
  });

  it('re-reads from the lookback start instead of the cursor when a lookback is set', () => {
    const statement = buildKeysetStatement({
      source: '"orders"',
      castTypes: { id: 'BIGINT', updated_at: 'TIMESTAMP', line: 'INTEGER' },
      projection: ['q."id"'],
      keyColumns: ['updated_at', 'id'],
      cursor: ['2024-01-01 00:10:00', '7'],
      limit: 10,
      watermark: {
        column: 'updated_at',
        upperBound: '2024-02-01 00:00:00',
        lookbackFrom: '2024-01-01 00:05:00.000000',
      },
    });
    expect(statement.sql).toContain('>= CAST(:lookback_from AS TIMESTAMP)');
    expect(statement.sql).not.toContain(':cursor_0');
  });

  it('rejects a cursor that does not fit the key', () => {
    expect(() =>
      buildKeysetStatement({
        source: 't',
        castTypes: { a: 'INTEGER', b: 'INTEGER' },
        projection: ['q.a'],
        keyColumns: ['a', 'b'],
        cursor: ['1'],
        limit: 1,
      }),
    ).toThrow(/cursor/);
  });
});

describe('NULL keys', () => {
  it('leaves rows with a NULL key column out of every keyset statement, composite keys included', () => {
    const statement = buildKeysetStatement({
      source: '"orders"',
      castTypes: { id: 'BIGINT', updated_at: 'TIMESTAMP', line: 'INTEGER' },
      projection: ['q."id"'],
      keyColumns: ['updated_at', 'id', 'line'],
      cursor: ['2024-01-01 00:00:00', '7', '1'],
      limit: 10,
      watermark: { column: 'updated_at', upperBound: '2024-02-01 00:00:00', lookbackFrom: null },
    });
    expect(statement.sql).toContain('q."id" IS NOT NULL AND q."line" IS NOT NULL');
  });

  it('reads the NULL-key rows of the run window once, apart', () => {
    expect(
      buildNullKeyStatement({
        source: '"orders"',
        castTypes: { id: 'BIGINT', updated_at: 'TIMESTAMP', line: 'INTEGER' },
        projection: ['q."id"'],
        primaryKey: ['id', 'line'],
        limit: 100,
        watermark: {
          column: 'updated_at',
          upperBound: '2024-02-01',
          after: '2024-01-01',
          lookbackFrom: null,
        },
      }),
    ).toEqual({
      sql: 'SELECT q."id" FROM "orders" AS q WHERE (q."id" IS NULL OR q."line" IS NULL) AND q."updated_at" IS NOT NULL AND q."updated_at" <= CAST(:upper_bound AS TIMESTAMP) AND q."updated_at" >= CAST(:after_watermark AS TIMESTAMP) LIMIT 100',
      parameters: { upper_bound: '2024-02-01', after_watermark: '2024-01-01' },
    });
    expect(
      buildNullKeyStatement({
        source: '"orders"',
        castTypes: { id: 'BIGINT', updated_at: 'TIMESTAMP', line: 'INTEGER' },
        projection: ['q."id"'],
        primaryKey: ['id'],
        limit: 5,
      }).sql,
    ).toBe('SELECT q."id" FROM "orders" AS q WHERE (q."id" IS NULL) LIMIT 5');
  });
});

describe('typed parameters', () => {
  it('casts every bound value to its column type, and writes an empty string as a typed literal', () => {
    const statement = buildKeysetStatement({
      source: '"orders"',
      castTypes: { code: 'VARCHAR(20)', amount: 'NUMERIC(18, 4)' },
      projection: ['q."code"'],
      keyColumns: ['code', 'amount'],
      cursor: ['', '999'],
      limit: 10,
    });
    expect(statement.sql).toContain(
      '(q."code" > CAST(\'\' AS VARCHAR(20)) OR (q."code" = CAST(\'\' AS VARCHAR(20)) AND q."amount" > CAST(:cursor_1 AS NUMERIC(18, 4))))',
    );
    // The Data API refuses zero-length values: '' is never sent as a parameter.
    expect(statement.parameters).toEqual({ cursor_1: '999' });
  });

  it('spells each source type as Redshift names it', () => {
    expect(castTypeOf(buildColumn('a', 'bigint'))).toBe('BIGINT');
    expect(castTypeOf(buildColumn('a', 'decimal', { precision: 38, scale: 10 }))).toBe('NUMERIC(38, 10)');
    expect(castTypeOf(buildColumn('a', 'text', { precision: 12 }))).toBe('VARCHAR(12)');
    expect(castTypeOf(buildColumn('a', 'text', { precision: 3, sqlType: 'bpchar' }))).toBe('CHAR(3)');
    expect(castTypeOf(buildColumn('a', 'timestamptz'))).toBe('TIMESTAMPTZ');
    expect(() => castTypeOf(buildColumn('a', 'super'))).toThrow('cannot be a key or watermark');
  });
});

describe('buildKeyListStatement', () => {
  const castTypes = { id: 'BIGINT', region: 'VARCHAR(8)' };

  it('binds each key of a single-column key, cast to the column type', () => {
    const statement = buildKeyListStatement({
      source: '"public"."t"',
      castTypes,
      projection: ['q."id"'],
      primaryKey: ['id'],
      keys: [['9007199254740993'], ['-4']],
    });
    expect(statement.sql).toBe(
      'SELECT q."id" FROM "public"."t" AS q WHERE q."id" IN (CAST(:k0_0 AS BIGINT), CAST(:k1_0 AS BIGINT))',
    );
    expect(statement.parameters).toEqual({ k0_0: '9007199254740993', k1_0: '-4' });
  });

  it('spells a composite key as ORed equalities; an empty value becomes a typed literal', () => {
    const statement = buildKeyListStatement({
      source: '"t"',
      castTypes,
      projection: ['q."id"'],
      primaryKey: ['region', 'id'],
      keys: [
        ['eu', '1'],
        ['', '2'],
      ],
      caseInsensitiveColumns: ['region'],
    });
    expect(statement.sql).toBe(
      `SELECT q."id" FROM "t" AS q WHERE (COLLATE(q."region", 'case_sensitive') = CAST(:k0_0 AS VARCHAR(8)) AND q."id" = CAST(:k0_1 AS BIGINT)) OR (COLLATE(q."region", 'case_sensitive') = CAST('' AS VARCHAR(8)) AND q."id" = CAST(:k1_1 AS BIGINT))`,
    );
    expect(statement.parameters).toEqual({ k0_0: 'eu', k0_1: '1', k1_1: '2' });
  });

  it('refuses a key with the wrong number of values and an empty list', () => {
    const input = { source: '"t"', castTypes, projection: ['q."id"'], primaryKey: ['region', 'id'] };
    expect(() => buildKeyListStatement({ ...input, keys: [['1']] })).toThrow(
      'key 0 has 1 values for 2 key columns',
    );
    expect(() => buildKeyListStatement({ ...input, keys: [] })).toThrow('at least one key');
  });
});
