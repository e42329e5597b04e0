import {
  benchColumns,
  benchSchema,
  createTableSql,
  sortKeyIndexSql,
  fingerprintSql,
  insertRowsSql,
  renderBenchJobsFile,
} from './bench.table';

describe('the bench table', () => {
  it('has the ten columns the bench measures, keyed by id with updated_at as watermark', () => {
    expect(benchColumns.map((column) => column.name)).toHaveLength(10);
    expect(benchSchema.primaryKey).toEqual(['id']);
    expect(benchSchema.watermark).toBe('updated_at');
    expect(benchSchema.columns.find((column) => column.name === 'ratio')).toMatchObject({
      kind: 'decimal',
      precision: 38,
      scale: 10,
    });
  });

  it('creates every copy with the same types and primary key', () => {
    const sql = createTableSql('public.bench_baseline');
    expect(sql).toContain('DROP TABLE IF EXISTS public.bench_baseline;');
    expect(sql).toContain('id bigint NOT NULL, quantity integer, price numeric(18,4)');
    expect(sql).toMatch(/updated_at timestamp without time zone NOT NULL, PRIMARY KEY \(id\)\)$/);
  });

  it('gives the warehouse source no index but a BRIN sort key, as Redshift has zone maps only', () => {
    expect(createTableSql('public.bench_rows', { primaryKey: false })).toMatch(
      /updated_at timestamp without time zone NOT NULL\)$/,
    );
    expect(sortKeyIndexSql('public.bench_rows')).toBe(
      'CREATE INDEX ON public.bench_rows USING brin (updated_at, id)',
    );
  });

  it('generates exactly the requested rows and refuses nonsense counts', () => {
    expect(insertRowsSql(1000)).toContain('generate_series(1::bigint, 1000::bigint)');
    expect(() => insertRowsSql(0)).toThrow(RangeError);
    expect(() => insertRowsSql(1.5)).toThrow(RangeError);
  });

  it('fingerprints every column in key order', () => {
    const sql = fingerprintSql('public.bench_rows');
    for (const column of benchColumns) expect(sql).toContain(`t.${column.name}::${column.type}`);
    expect(sql).toContain('ORDER BY t.id');
  });

  it('writes the documented job: incremental on updated_at, batches of 5,000', () => {
    const yaml = renderBenchJobsFile();
    expect(yaml).toContain('  - name: bench_rows\n');
    expect(yaml).toContain('      table: public.bench_rows\n');
    expect(yaml).toContain('    primary_key: [id]\n    mode: incremental\n    watermark: updated_at\n');
    expect(yaml).toContain('    batch_size: 20000\n');
  });
});
