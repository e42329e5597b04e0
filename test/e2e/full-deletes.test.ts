// Deletes carried to the target (issue 15): under `deletes: hard` a fully successful full run
// deletes exactly the target rows whose key the source no longer has, and a failed run deletes
// nothing; under `deletes: soft` it stamps `_qupersync_deleted_at` instead, a key that comes back
// loses its stamp, and verify counts stamped rows as absent. Incremental jobs carry deletes from
// a source column (source.deleted_flag) the same two ways.
import { Client } from 'pg';
import { createKeyedTable, executeSql, tableFingerprint } from '@qupersync/testing';
import { PipelineHarness, uniqueSuffix } from './pipeline.harness';

jest.setTimeout(300_000);

const suffix = uniqueSuffix();
const tables = {
  hard: `e2e_deletes_hard_${suffix}`,
  soft: `e2e_deletes_soft_${suffix}`,
  flagHard: `e2e_deletes_flag_hard_${suffix}`,
  flagSoft: `e2e_deletes_flag_soft_${suffix}`,
};
const jobs = {
  hard: `e2e-deletes-hard-${suffix}`,
  soft: `e2e-deletes-soft-${suffix}`,
  flagHard: `e2e-deletes-flag-hard-${suffix}`,
  flagSoft: `e2e-deletes-flag-soft-${suffix}`,
};
const columns = ['id', 'updated_at', 'note'];
const warehouseUrl = (): string => process.env.WAREHOUSE_DATABASE_URL ?? '';
const databaseUrl = (): string => process.env.DATABASE_URL ?? '';
let pipeline: PipelineHarness;

async function queryTarget<Row extends Record<string, unknown>>(sql: string): Promise<Row[]> {
  const client = new Client({ connectionString: databaseUrl() });
  await client.connect();
  try {
    return (await client.query<Row>(sql)).rows;
  } finally {
    await client.end();
  }
}

/** The target's rows that are not stamped deleted, fingerprinted like the source. */
async function liveTargetFingerprint(table: string): Promise<{ rows: number; digest: string | null }> {
  const [row] = await queryTarget<{ rows: string; digest: string | null }>(
    `SELECT count(*) AS rows,
            md5(string_agg(ROW(t.id, t.updated_at, t.note)::text, E'\\n' ORDER BY id)) AS digest
       FROM public.${table} t WHERE t._qupersync_deleted_at IS NULL`,
  );
  return { rows: Number(row?.rows ?? 0), digest: row?.digest ?? null };
}

beforeAll(async () => {
  for (const [table, rows] of [
    [tables.hard, 5_000],
    [tables.soft, 3_000],
    [tables.flagHard, 2_000],
    [tables.flagSoft, 2_000],
  ] as const) {
    await createKeyedTable(warehouseUrl(), table, rows);
    await executeSql(
      warehouseUrl(),
      `ALTER TABLE public.${table} ADD COLUMN note varchar(40); UPDATE public.${table} SET note = 'row ' || id`,
    );
  }
  for (const table of [tables.flagHard, tables.flagSoft])
    await executeSql(
      warehouseUrl(),
      `ALTER TABLE public.${table} ADD COLUMN is_deleted boolean; UPDATE public.${table} SET is_deleted = false`,
    );
  pipeline = await PipelineHarness.start([
    { name: jobs.hard, table: tables.hard, mode: 'full', batchSize: 1_000, extra: ['deletes: hard'] },
    { name: jobs.soft, table: tables.soft, mode: 'full', batchSize: 1_000, extra: ['deletes: soft'] },
    {
      name: jobs.flagHard,
      table: tables.flagHard,
      batchSize: 500,
      extra: ['deletes: hard'],
      sourceOptions: 'deleted_flag: is_deleted',
    },
    {
      name: jobs.flagSoft,
      table: tables.flagSoft,
      batchSize: 500,
      extra: ['deletes: soft'],
      sourceOptions: 'deleted_flag: is_deleted',
    },
  ]);
});

afterAll(async () => {
  await pipeline?.stop();
});

it('deletes exactly the keys the source lost after a successful full run, and nothing after a failed one', async () => {
  const first = await pipeline.triggerAndWait(jobs.hard);
  expect(first).toMatchObject({ status: 'succeeded', rowsLoaded: 5_000, rowsDeleted: 0 });

  await executeSql(
    warehouseUrl(),
    `DELETE FROM public.${tables.hard} WHERE id BETWEEN 101 AND 400 OR id BETWEEN 4001 AND 4050;
     UPDATE public.${tables.hard} SET note = 'changed' WHERE id IN (7, 8, 9)`,
  );
  const second = await pipeline.triggerAndWait(jobs.hard);
  expect(second).toMatchObject({ status: 'succeeded', rowsLoaded: 4_650, rowsDeleted: 350 });
  expect(await tableFingerprint(databaseUrl(), tables.hard, columns)).toEqual(
    await tableFingerprint(warehouseUrl(), tables.hard, columns),
  );

  // A run that fails (the target refuses a row) must not delete: ids 1..20 stay in the target.
  await executeSql(
    databaseUrl(),
    `ALTER TABLE public.${tables.hard} ADD CONSTRAINT no_refused CHECK (note <> 'refused')`,
  );
  await executeSql(
    warehouseUrl(),
    `DELETE FROM public.${tables.hard} WHERE id <= 20; UPDATE public.${tables.hard} SET note = 'refused' WHERE id = 4999`,
  );
  const failed = await pipeline.triggerAndWait(jobs.hard);
  expect(failed).toMatchObject({ status: 'failed', rowsDeleted: 0 });
  const [kept] = await queryTarget<{ rows: string }>(
    `SELECT count(*) AS rows FROM public.${tables.hard} WHERE id <= 20`,
  );
  expect(Number(kept?.rows)).toBe(20);

  await executeSql(databaseUrl(), `ALTER TABLE public.${tables.hard} DROP CONSTRAINT no_refused`);
  const third = await pipeline.triggerAndWait(jobs.hard);
  expect(third).toMatchObject({ status: 'succeeded', rowsLoaded: 4_630, rowsDeleted: 20 });
  expect(await tableFingerprint(databaseUrl(), tables.hard, columns)).toEqual(
    await tableFingerprint(warehouseUrl(), tables.hard, columns),
  );
  // A source that loses most of its rows at once (an emptied view, a lost grant) is not believed.
  await executeSql(warehouseUrl(), `DELETE FROM public.${tables.hard} WHERE id > 1000`);
  const implausible = await pipeline.triggerAndWait(jobs.hard);
  expect(implausible).toMatchObject({ status: 'failed', rowsDeleted: 0 });
  expect(implausible.error).toMatch(
    /deletes refused: 3950 of 4630 target rows \(85\.3 %\) would go, above max_deleted_share 0\.5; the source has 680 rows now/,
  );
  const [after] = await queryTarget<{ rows: string }>(`SELECT count(*) AS rows FROM public.${tables.hard}`);
  expect(Number(after?.rows)).toBe(4_630);

  // `qupersync runs` shows how many rows a run deleted.
  const cli = pipeline.cli('runs', '--job', jobs.hard, '--json');
  expect(cli.status).toBe(0);
  const runs: unknown = JSON.parse(cli.stdout);
  expect(runs).toEqual(
    expect.arrayContaining([expect.objectContaining({ runId: third.runId, rowsDeleted: 20 })]),
  );
});

it('stamps the keys the source lost under deletes: soft, and a key that comes back loses its stamp', async () => {
  expect(await pipeline.triggerAndWait(jobs.soft)).toMatchObject({ status: 'succeeded', rowsDeleted: 0 });
  await executeSql(warehouseUrl(), `DELETE FROM public.${tables.soft} WHERE id <= 100`);
  const deleted = await pipeline.triggerAndWait(jobs.soft);
  expect(deleted).toMatchObject({ status: 'succeeded', rowsLoaded: 2_900, rowsDeleted: 100 });
  const stamped = async (): Promise<{ total: number; stamped: number; stampedIds: string }> => {
    const [row] = await queryTarget<{ total: string; stamped: string; stamped_ids: string | null }>(
      `SELECT count(*) AS total, count(_qupersync_deleted_at) AS stamped,
              min(id) FILTER (WHERE _qupersync_deleted_at IS NOT NULL) || '..' ||
              max(id) FILTER (WHERE _qupersync_deleted_at IS NOT NULL) AS stamped_ids
         FROM public.${tables.soft}`,
    );
    return { total: Number(row?.total), stamped: Number(row?.stamped), stampedIds: row?.stamped_ids ?? '' };
  };
  expect(await stamped()).toEqual({ total: 3_000, stamped: 100, stampedIds: '1..100' });
  expect(await liveTargetFingerprint(tables.soft)).toEqual(
    await tableFingerprint(warehouseUrl(), tables.soft, columns),
  );
  // Stamped rows are absent to verify: the job is equal to its source.
  const equal = pipeline.cli('verify', jobs.soft, '--json');
  expect(equal.status).toBe(0);

  // Ten keys come back unchanged: the upsert writes them again only to clear their stamp.
  await executeSql(
    warehouseUrl(),
    `INSERT INTO public.${tables.soft} (id, updated_at, note)
       SELECT g, timestamp '2024-01-01' + g * interval '1 second', 'row ' || g FROM generate_series(91, 100) g`,
  );
  const back = await pipeline.triggerAndWait(jobs.soft);
  expect(back).toMatchObject({ status: 'succeeded', rowsLoaded: 2_910, rowsDeleted: 0 });
  expect(await stamped()).toEqual({ total: 3_000, stamped: 90, stampedIds: '1..90' });
  expect(await liveTargetFingerprint(tables.soft)).toEqual(
    await tableFingerprint(warehouseUrl(), tables.soft, columns),
  );
  // A re-run over an unchanged source neither stamps again nor writes a row version.
  const versions = `SELECT md5(string_agg(xmin::text, ',' ORDER BY id)) AS versions FROM public.${tables.soft}`;
  const [before] = await queryTarget<{ versions: string }>(versions);
  expect(await pipeline.triggerAndWait(jobs.soft)).toMatchObject({ status: 'succeeded', rowsDeleted: 0 });
  expect(await stamped()).toEqual({ total: 3_000, stamped: 90, stampedIds: '1..90' });
  const [after] = await queryTarget<{ versions: string }>(versions);
  expect(after?.versions).toBe(before?.versions);
});

it('carries deletes flagged at the source by an incremental job: deleted under hard, stamped under soft', async () => {
  const flagColumns = ['id', 'updated_at', 'note', 'is_deleted'];
  const sourceLive = async (table: string): Promise<{ rows: number; digest: string | null }> => {
    const client = new Client({ connectionString: warehouseUrl() });
    await client.connect();
    try {
      const [row] = (
        await client.query<{ rows: string; digest: string | null }>(
          `SELECT count(*) AS rows,
                  md5(string_agg(ROW(t.id, t.updated_at, t.note, t.is_deleted)::text, E'\\n' ORDER BY id)) AS digest
             FROM public.${table} t WHERE t.is_deleted IS NOT TRUE`,
        )
      ).rows;
      return { rows: Number(row?.rows ?? 0), digest: row?.digest ?? null };
    } finally {
      await client.end();
    }
  };
  const targetLive = async (
    table: string,
    soft: boolean,
  ): Promise<{ rows: number; digest: string | null }> => {
    const [row] = await queryTarget<{ rows: string; digest: string | null }>(
      `SELECT count(*) AS rows,
              md5(string_agg(ROW(t.id, t.updated_at, t.note, t.is_deleted)::text, E'\\n' ORDER BY id)) AS digest
         FROM public.${table} t ${soft ? 'WHERE t._qupersync_deleted_at IS NULL' : ''}`,
    );
    return { rows: Number(row?.rows ?? 0), digest: row?.digest ?? null };
  };
  for (const [job, table, soft] of [
    [jobs.flagHard, tables.flagHard, false],
    [jobs.flagSoft, tables.flagSoft, true],
  ] as const) {
    expect(await pipeline.triggerAndWait(job)).toMatchObject({ status: 'succeeded', rowsLoaded: 2_000 });
    expect(await tableFingerprint(databaseUrl(), table, flagColumns)).toEqual(
      await tableFingerprint(warehouseUrl(), table, flagColumns),
    );
    // 50 rows are deleted at the source by their flag, 10 others change; all are newer than the watermark.
    await executeSql(
      warehouseUrl(),
      `UPDATE public.${table} SET is_deleted = true, updated_at = timestamp '2025-01-01' WHERE id <= 50;
       UPDATE public.${table} SET note = 'changed', updated_at = timestamp '2025-01-01' WHERE id BETWEEN 51 AND 60`,
    );
    expect(await pipeline.triggerAndWait(job)).toMatchObject({ status: 'succeeded', rowsLoaded: 60 });
    expect(await targetLive(table, soft)).toEqual(await sourceLive(table));
    const [counts] = await queryTarget<{ total: string }>(`SELECT count(*) AS total FROM public.${table}`);
    expect(Number(counts?.total)).toBe(soft ? 2_000 : 1_950);
    // Flagged rows are absent on both sides to verify.
    const verified = pipeline.cli('verify', job, '--json');
    expect({ job, status: verified.status }).toEqual({ job, status: 0 });

    // Five come back: unflagged at the source, they are in the target again (stamp cleared).
    await executeSql(
      warehouseUrl(),
      `UPDATE public.${table} SET is_deleted = false, updated_at = timestamp '2025-01-02' WHERE id <= 5`,
    );
    expect(await pipeline.triggerAndWait(job)).toMatchObject({ status: 'succeeded', rowsLoaded: 5 });
    expect(await targetLive(table, soft)).toEqual(await sourceLive(table));
    expect((await targetLive(table, soft)).rows).toBe(1_955);
    if (soft) {
      const [stamped] = await queryTarget<{ stamped: string }>(
        `SELECT count(*) AS stamped FROM public.${table} WHERE _qupersync_deleted_at IS NOT NULL AND is_deleted`,
      );
      expect(Number(stamped?.stamped)).toBe(45);
    }
  }
});
