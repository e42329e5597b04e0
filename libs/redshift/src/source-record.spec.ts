import { toSourceColumn, toSourceValue } from './source-record';

describe('toSourceValue', () => {
  it('flattens every Field member', () => {
    const bytes = new Uint8Array([0, 255]);
    expect(toSourceValue({ isNull: true })).toBeNull();
    expect(toSourceValue({ stringValue: '' })).toBe('');
    expect(toSourceValue({ longValue: 0 })).toBe(0);
    expect(toSourceValue({ doubleValue: -1.5 })).toBe(-1.5);
    expect(toSourceValue({ booleanValue: false })).toBe(false);
    expect(toSourceValue({ blobValue: bytes })).toBe(bytes);
  });

  it('refuses an empty union', () => {
    expect(() => toSourceValue({ isNull: false })).toThrow('carries no value');
  });
});

describe('toSourceColumn', () => {
  it('maps nullable 0 to NOT NULL and anything else to nullable', () => {
    expect(toSourceColumn({ name: 'id', typeName: 'int8', precision: 19, scale: 0, nullable: 0 })).toEqual({
      name: 'id',
      typeName: 'int8',
      precision: 19,
      scale: 0,
      nullable: false,
      caseSensitive: true,
    });
    expect(
      toSourceColumn({ name: 'x', typeName: 'numeric', precision: 38, scale: 10, nullable: 2 }).nullable,
    ).toBe(true);
  });

  it('takes a column for case-sensitive unless the service says it is not', () => {
    expect(toSourceColumn({ name: 'code', typeName: 'varchar', isCaseSensitive: false }).caseSensitive).toBe(
      false,
    );
    expect(toSourceColumn({ name: 'code', typeName: 'varchar', isCaseSensitive: true }).caseSensitive).toBe(
      true,
    );
    expect(toSourceColumn({ name: 'code', typeName: 'varchar' }).caseSensitive).toBe(true);
  });
});
