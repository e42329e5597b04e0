import { decodeTypeModifier, encodeField, redshiftTypeFor, toCsvValue } from './redshift-type.mapping';

describe('redshiftTypeFor', () => {
  it.each([
    [21, 'int2'],
    [23, 'int4'],
    [20, 'int8'],
    [1700, 'numeric'],
    [700, 'float4'],
    [701, 'float8'],
    [16, 'bool'],
    [1042, 'char'],
    [1043, 'varchar'],
    [25, 'text'],
    [1082, 'date'],
    [1114, 'timestamp'],
    [1184, 'timestamptz'],
    [1083, 'time'],
    [1266, 'timetz'],
    [114, 'super'],
    [3802, 'super'],
    [17, 'varbyte'],
  ])('names OID %d %s', (oid, typeName) => {
    expect(redshiftTypeFor(oid, 'ignored').typeName).toBe(typeName);
  });

  it('keeps the PostgreSQL name of a type Redshift does not have', () => {
    expect(redshiftTypeFor(2950, 'uuid')).toMatchObject({ typeName: 'uuid', encoding: 'string' });
  });
});

describe('decodeTypeModifier', () => {
  it('unpacks numeric(38,10) and varchar(255)', () => {
    expect(decodeTypeModifier(redshiftTypeFor(1700, undefined), ((38 << 16) | 10) + 4)).toEqual({
      precision: 38,
      scale: 10,
      length: 0,
    });
    expect(decodeTypeModifier(redshiftTypeFor(1043, undefined), 259)).toEqual({
      precision: 255,
      scale: 0,
      length: 0,
    });
  });

  it('reports a timestamp as the service does: precision 29, scale 6', () => {
    expect(decodeTypeModifier(redshiftTypeFor(1114, undefined), -1)).toEqual({
      precision: 29,
      scale: 6,
      length: 0,
    });
    expect(decodeTypeModifier(redshiftTypeFor(1114, undefined), 3)).toMatchObject({
      precision: 29,
      scale: 3,
    });
  });

  it('falls back to the default precision without a modifier', () => {
    expect(decodeTypeModifier(redshiftTypeFor(20, undefined), -1)).toEqual({
      precision: 19,
      scale: 0,
      length: 0,
    });
  });
});

describe('encodeField', () => {
  it('encodes each member the way the real service does', () => {
    expect(encodeField('long', null)).toEqual({ isNull: true });
    expect(encodeField('long', '9223372036854775807')).toEqual({ longValue: Number('9223372036854775807') });
    expect(encodeField('double', '1.5')).toEqual({ doubleValue: 1.5 });
    expect(encodeField('double', 'NaN')).toEqual({ stringValue: 'NaN' });
    expect(encodeField('boolean', 'f')).toEqual({ booleanValue: false });
    expect(encodeField('string', '')).toEqual({ stringValue: '' });
    expect(encodeField('blob', '\\x00ff41')).toEqual({
      blobValue: Buffer.from([0, 255, 65]).toString('base64'),
    });
  });
});

describe('toCsvValue', () => {
  it('quotes only when needed and keeps NULL apart from the empty string', () => {
    expect(toCsvValue('plain')).toBe('plain');
    expect(toCsvValue('a,"b"')).toBe('"a,""b"""');
    expect(toCsvValue('')).toBe('""');
    expect(toCsvValue(null)).toBe('');
  });
});
