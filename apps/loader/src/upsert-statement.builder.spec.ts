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

  it('clears a soft-delete stamp on every row it writes, changed or not, under deletes: soft', () => {
    const statements = buildUpsertStatements({ schema: 'public', name: 'orders' }, buildAllKindsSchema(), {
      softDeletes: true,
    });
    expect(statements.upsert).toContain('"_qupersync_deleted_at" = NULL WHERE ((t."small", ');
    expect(statements.upsert).toContain(
      'OR (t."_qupersync_deleted_at" IS NULL) IS DISTINCT FROM (EXCLUDED."_qupersync_deleted_at" IS NULL)) AND (t."updated_at" IS NULL',
    );
    expect(statements.deleteFlagged).toBeNull();
    const keysOnly = {
      job: 'keys',
      primaryKey: ['a'],
      watermark: null,
      columns: [buildColumn('a', 'integer')],
    };
    expect(
      buildUpsertStatements({ schema: undefined, name: 'k' }, keysOnly, { softDeletes: true }).upsert,
    ).toMatch(
      /ON CONFLICT \("a"\) DO UPDATE SET "_qupersync_deleted_at" = NULL WHERE t."_qupersync_deleted_at" IS NOT NULL$/,
    );
    expect(
      buildUpsertStatements({ schema: 'public', name: 'orders' }, buildAllKindsSchema()).upsert,
    ).not.toContain('_qupersync_deleted_at');
  });

  it('deletes rows flagged by source.deleted_flag under deletes: hard, and stamps them under soft', () => {
    const target = { schema: 'public', name: 'orders' };
    const hard = buildUpsertStatements(target, buildAllKindsSchema(), { deletedFlag: 'flag' });
    expect(hard.upsert).toContain(') d WHERE d."flag" IS NOT TRUE ON CONFLICT');
    expect(hard.deleteFlagged).toMatch(
      /^DELETE FROM "public"\."orders" AS t USING \(SELECT DISTINCT ON \("id"\) .*\) d WHERE t\."id" = d\."id" AND d\."flag" IS TRUE AND \(t\."updated_at" IS NULL OR d\."updated_at" IS NULL OR d\."updated_at" >= t\."updated_at"\)$/,
    );
    const soft = buildUpsertStatements(target, buildAllKindsSchema(), {
      deletedFlag: 'flag',
      softDeletes: true,
    });
    expect(soft.deleteFlagged).toBeNull();
    expect(soft.upsert).toContain('CASE WHEN d."flag" IS TRUE THEN now() END FROM (SELECT DISTINCT ON');
    expect(soft.upsert).toContain(
      '"_qupersync_deleted_at" = CASE WHEN EXCLUDED."flag" IS TRUE THEN COALESCE(t."_qupersync_deleted_at", EXCLUDED."_qupersync_deleted_at") END',
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
