import { canonicalText, keyIdOf, keyValuesOf } from './row-key.codec';

describe('row key ids', () => {
  it('keeps a one-column key as its canonical text', () => {
    expect(keyIdOf(['42', 'a1b2'], 1)).toBe('42');
    expect(keyValuesOf('42', 1)).toEqual(['42']);
  });

  it('round-trips a composite key whose texts hold quotes, commas and an empty (NULL) part', () => {
    const row = ['eu,"west"', null, new Uint8Array([0xde, 0xad]), 'ffff'];
    const id = keyIdOf(row, 3);
    expect(keyValuesOf(id, 3)).toEqual(['eu,"west"', '', 'dead']);
    // Distinct keys whose joined texts would collide stay distinct.
    expect(keyIdOf(['a,b', 'c'], 2)).not.toBe(keyIdOf(['a', 'b,c'], 2));
  });

  it('refuses an id that is not a key of that many columns', () => {
    expect(() => keyValuesOf('["a"]', 2)).toThrow(/not a key id of 2 columns/);
    expect(() => keyValuesOf('[1,2]', 2)).toThrow(/not a key id of 2 columns/);
  });

  it('prints bytes as hex and NULL as the empty text', () => {
    expect(canonicalText(new Uint8Array([1, 255]))).toBe('01ff');
    expect(canonicalText(null)).toBe('');
    expect(canonicalText(7)).toBe('7');
  });
});
