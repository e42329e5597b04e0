import { findNamedPlaceholders, translateNamedPlaceholders } from './sql-placeholder.translator';

describe('translateNamedPlaceholders', () => {
  it('numbers placeholders in order of first use and reuses a repeated name', () => {
    const translated = translateNamedPlaceholders('SELECT * FROM t WHERE a > :low AND b = :id OR a < :low');
    expect(translated.text).toBe('SELECT * FROM t WHERE a > $1 AND b = $2 OR a < $1');
    expect(translated.names).toEqual(['low', 'id']);
  });

  it('leaves casts alone, including a cast right after a placeholder', () => {
    const translated = translateNamedPlaceholders('SELECT :value::numeric(38,10), x::text FROM t');
    expect(translated.text).toBe('SELECT $1::numeric(38,10), x::text FROM t');
    expect(translated.names).toEqual(['value']);
  });

  it.each([
    ["SELECT ':inside' , :yes", "SELECT ':inside' , $1"],
    ["SELECT 'it''s :not', :yes", "SELECT 'it''s :not', $1"],
    ["SELECT E'a\\' :not', :yes", "SELECT E'a\\' :not', $1"],
    ['SELECT "col:not" FROM t WHERE x = :yes', 'SELECT "col:not" FROM t WHERE x = $1'],
    ['SELECT 1 -- :not\n, :yes', 'SELECT 1 -- :not\n, $1'],
    ['SELECT /* :not /* nested :not */ :not */ :yes', 'SELECT /* :not /* nested :not */ :not */ $1'],
    ['SELECT $$ :not $$, $tag$ :not $tag$, :yes', 'SELECT $$ :not $$, $tag$ :not $tag$, $1'],
    ['SELECT arr[1:2], :yes', 'SELECT arr[1:2], $1'],
  ])('ignores text that only looks like a placeholder: %s', (sql, expected) => {
    const translated = translateNamedPlaceholders(sql);
    expect(translated.text).toBe(expected);
    expect(translated.names).toEqual(['yes']);
  });

  it('returns SQL without placeholders unchanged', () => {
    expect(translateNamedPlaceholders('SELECT 1')).toEqual({ text: 'SELECT 1', names: [] });
  });

  it('finds distinct names', () => {
    expect(findNamedPlaceholders("SELECT :a, :b, :a, ':c'")).toEqual(['a', 'b']);
  });
});
