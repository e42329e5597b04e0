import { buildColumn } from '@qupersync/testing';
import { checkTargetColumn, describeTargetType, TargetColumnType } from './target-compatibility.checker';

// atttypmod as PostgreSQL stores it: varchar(n) = n + 4, numeric(p, s) = (p << 16 | s) + 4.
const varchar = (length: number): TargetColumnType => ({ typeName: 'varchar', typeModifier: length + 4 });
const numeric = (precision: number, scale: number): TargetColumnType => ({
  typeName: 'numeric',
  typeModifier: ((precision << 16) | scale) + 4,
});
const plain = (typeName: string, typeModifier = -1): TargetColumnType => ({ typeName, typeModifier });

describe('checkTargetColumn', () => {
  it('accepts a target at least as wide as the source', () => {
    expect(checkTargetColumn(buildColumn('a', 'text', { precision: 20 }), varchar(20))).toEqual({
      verdict: 'exact',
    });
    expect(checkTargetColumn(buildColumn('a', 'text', { precision: 20 }), plain('text'))).toEqual({
      verdict: 'exact',
    });
    expect(
      checkTargetColumn(buildColumn('a', 'decimal', { precision: 18, scale: 4 }), numeric(20, 4)),
    ).toEqual({
      verdict: 'exact',
    });
    expect(checkTargetColumn(buildColumn('a', 'integer'), plain('int8'))).toEqual({ verdict: 'exact' });
    expect(checkTargetColumn(buildColumn('a', 'integer'), plain('float8'))).toEqual({ verdict: 'exact' });
    expect(checkTargetColumn(buildColumn('a', 'bigint'), numeric(19, 0))).toEqual({ verdict: 'exact' });
    expect(checkTargetColumn(buildColumn('a', 'timestamp'), plain('timestamp'))).toEqual({
      verdict: 'exact',
    });
    expect(checkTargetColumn(buildColumn('a', 'date'), plain('timestamp', 6))).toEqual({ verdict: 'exact' });
    expect(checkTargetColumn(buildColumn('a', 'super'), plain('jsonb'))).toEqual({ verdict: 'exact' });
  });

  it('finds every lossy pair and the type that would make it exact', () => {
    expect(checkTargetColumn(buildColumn('a', 'text', { precision: 20 }), varchar(5))).toEqual({
      verdict: 'narrower',
      widerType: 'varchar(20)',
    });
    expect(
      checkTargetColumn(buildColumn('a', 'text', { precision: 0, sqlType: 'text' }), varchar(5)),
    ).toEqual({
      verdict: 'narrower',
      widerType: 'text',
    });
    // Scale lost, and integer digits lost: the union keeps both.
    expect(
      checkTargetColumn(buildColumn('a', 'decimal', { precision: 38, scale: 10 }), numeric(30, 12)),
    ).toEqual({
      verdict: 'narrower',
      widerType: 'numeric(40, 12)',
    });
    expect(
      checkTargetColumn(buildColumn('a', 'decimal', { precision: 10, scale: 4 }), numeric(10, 2)),
    ).toEqual({
      verdict: 'narrower',
      widerType: 'numeric(12, 4)',
    });
    expect(checkTargetColumn(buildColumn('a', 'bigint'), plain('int4'))).toEqual({
      verdict: 'narrower',
      widerType: 'bigint',
    });
    expect(checkTargetColumn(buildColumn('a', 'bigint'), plain('float8'))).toMatchObject({
      verdict: 'narrower',
    });
    expect(checkTargetColumn(buildColumn('a', 'double'), plain('float4'))).toMatchObject({
      verdict: 'narrower',
    });
    expect(checkTargetColumn(buildColumn('a', 'timestamp'), plain('timestamp', 3))).toEqual({
      verdict: 'narrower',
      widerType: 'timestamp(6)',
    });
    expect(checkTargetColumn(buildColumn('a', 'timestamp'), plain('date'))).toMatchObject({
      verdict: 'narrower',
    });
  });

  it('refuses a change of meaning, which no ALTER can undo', () => {
    expect(checkTargetColumn(buildColumn('a', 'timestamptz'), plain('timestamp'))).toEqual({
      verdict: 'incompatible',
    });
    expect(checkTargetColumn(buildColumn('a', 'timestamp'), plain('timestamptz'))).toEqual({
      verdict: 'incompatible',
    });
    expect(checkTargetColumn(buildColumn('a', 'text'), plain('date'))).toEqual({ verdict: 'incompatible' });
    expect(checkTargetColumn(buildColumn('a', 'boolean'), plain('int4'))).toEqual({
      verdict: 'incompatible',
    });
    expect(checkTargetColumn(buildColumn('a', 'integer'), plain('text'))).toEqual({
      verdict: 'incompatible',
    });
    // varchar into char(n) would gain trailing blanks.
    expect(checkTargetColumn(buildColumn('a', 'text', { precision: 5 }), plain('bpchar', 9))).toEqual({
      verdict: 'incompatible',
    });
  });

  it('describes target types as people write them', () => {
    expect(describeTargetType(varchar(5))).toBe('varchar(5)');
    expect(describeTargetType(numeric(10, 2))).toBe('numeric(10, 2)');
    expect(describeTargetType(plain('timestamp', 3))).toBe('timestamp(3)');
    expect(describeTargetType(plain('int4'))).toBe('int4');
  });
});
