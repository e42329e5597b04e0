import { buildAllKindsSchema, buildColumn } from '@qupersync/testing';
import { buildUpsertStatements } from './upsert-statement.builder';

describe('buildUpsertStatements', () => {
  it('deduplicates newest-first, updates only changed rows and never with an older watermark', () => {
    const statements = buildUpsertStatements({ schema: 'public', name: 'orders' }, buildAllKindsSchema());
    expect(statements.upsert).toContain('SELECT DISTINCT ON ("id")');
    expect(statements.upsert).toContain('ORDER BY "id", "updated_at" DESC NULLS LAST');
    expect(statements.upsert).toContain('ON CONFLICT ("id") DO UPDATE SET "small" = EXCLUDED."small"');
    expect(statements.upsert).toMatch(/WHERE \(t\."small", .*\) IS DISTINCT FROM \(EXCLUDED\."small", .*\)/);
    expect(statements.upsert).toContain('EXCLUDED."updated_at" >= t."updated_at"');
  });

  it('does nothing on conflict when every column is part of the key', () => {
    const schema = {
      job: 'keys',
      primaryKey: ['a', 'b'],
      watermark: null,
      columns: [buildColumn('a', 'integer'), buildColumn('b', 'text')],
    };
    expect(buildUpsertStatements({ schema: undefined, name: 'pairs' }, schema).upsert).toMatch(
      /ON CONFLICT \("a", "b"\) DO NOTHING$/,
    );
  });

  it('quotes hostile names instead of splicing them', () => {
    const schema = {
      job: 'odd',
      primaryKey: ['id"; DROP TABLE x; --'],
      watermark: null,
      columns: [buildColumn('id"; DROP TABLE x; --', 'integer'), buildColumn('v', 'text')],
    };
    expect(buildUpsertStatements({ schema: undefined, name: 't' }, schema).upsert).toContain(
      '"id""; DROP TABLE x; --"',
    );
  });
});
