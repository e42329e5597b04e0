// The loader's upsert against a real PostgreSQL: idempotent, order-independent, deduplicating,
// isolating bad rows, and safe with several loaders writing overlapping keys at once.
import { randomUUID } from 'node:crypto';
import { PostgresDatabase, StateMigrator } from '@qupersync/postgres';
import { buildColumn } from '@qupersync/testing';
import type { BatchRow, BatchSchema } from '@qupersync/contracts';
import { BatchUpserter } from '../../apps/loader/src';

const suffix = `${Date.now().toString(36)}${Math.floor(Math.random() * 1000)}`;
let database: PostgresDatabase;
let upserter: BatchUpserter;

const schema: BatchSchema = {
  job: 'upserts',
  primaryKey: ['id'],
  watermark: 'updated_at',
  columns: [
    buildColumn('id', 'bigint', { nullable: false }),
    buildColumn('name', 'text', { sqlType: 'varchar', precision: 12 }),
    buildColumn('amount', 'decimal', { precision: 38, scale: 10 }),
    buildColumn('updated_at', 'timestamp'),
  ],
};

function row(id: number | bigint, name: string, updatedAt: string, amount = '1.0000000001'): BatchRow {
  return { id: BigInt(id), name, amount, updated_at: updatedAt };
}

async function tableRows(table: string): Promise<Array<Record<string, string | null>>> {
  return database.query(
    `SELECT id::text, name, amount::text, updated_at::text FROM public.${table} ORDER BY id, name`,
  );
}

beforeAll(() => {
  database = new PostgresDatabase({
    connectionString: process.env.DATABASE_URL ?? '',
    poolSize: 6,
    applicationName: 'upserter-test',
  });
  upserter = new BatchUpserter(database);
});

afterAll(async () => {
  await database.onModuleDestroy();
});

it('creates the target table and loads a batch with exact values', async () => {
  const table = `upsert_create_${suffix}`;
  const outcome = await upserter.upsert({ schema: 'public', name: table }, schema, [
    row(9007199254740993n, 'a', '2024-01-01 00:00:00.000001', '-12345678901234567890123456.1234567890'),
  ]);
  expect(outcome).toEqual({ rowsWritten: 1, rejected: [] });
  expect(await tableRows(table)).toEqual([
    {
      id: '9007199254740993',
      name: 'a',
      amount: '-12345678901234567890123456.1234567890',
      updated_at: '2024-01-01 00:00:00.000001',
    },
  ]);
});

it('writes nothing when the same batch is loaded twice', async () => {
  const table = `upsert_twice_${suffix}`;
  const batch = [row(1, 'a', '2024-01-01 00:00:00'), row(2, 'b', '2024-01-01 00:00:00')];
  expect((await upserter.upsert({ schema: 'public', name: table }, schema, batch)).rowsWritten).toBe(2);
  expect((await upserter.upsert({ schema: 'public', name: table }, schema, batch)).rowsWritten).toBe(0);
  expect(await tableRows(table)).toHaveLength(2);
});

it('never lets an older batch overwrite a newer row', async () => {
  const table = `upsert_order_${suffix}`;
  await upserter.upsert({ schema: 'public', name: table }, schema, [row(1, 'newer', '2024-01-02 00:00:00')]);
  const older = await upserter.upsert({ schema: 'public', name: table }, schema, [
    row(1, 'older', '2024-01-01 00:00:00'),
  ]);
  expect(older.rowsWritten).toBe(0);
  expect((await tableRows(table))[0]?.name).toBe('newer');
  await upserter.upsert({ schema: 'public', name: table }, schema, [row(1, 'newest', '2024-01-03 00:00:00')]);
  expect((await tableRows(table))[0]?.name).toBe('newest');
});

it('keeps the newest of duplicate keys inside one batch', async () => {
  const table = `upsert_dedupe_${suffix}`;
  const outcome = await upserter.upsert({ schema: 'public', name: table }, schema, [
    row(5, 'middle', '2024-01-02 00:00:00'),
    row(5, 'newest', '2024-01-03 00:00:00'),
    row(5, 'oldest', '2024-01-01 00:00:00'),
  ]);
  expect(outcome.rowsWritten).toBe(1);
  expect(await tableRows(table)).toEqual([expect.objectContaining({ id: '5', name: 'newest' })]);
});

it('loads the good rows of a batch and hands back the one the database rejects, with its message', async () => {
  const table = `upsert_bad_row_${suffix}`;
  const batch = Array.from({ length: 50 }, (_, index) =>
    row(index + 1, index === 36 ? 'far too long for twelve' : `ok-${index}`, '2024-01-01 00:00:00'),
  );
  const outcome = await upserter.upsert({ schema: 'public', name: table }, schema, batch);
  expect(outcome.rowsWritten).toBe(49);
  expect(outcome.rejected).toHaveLength(1);
  expect(outcome.rejected[0]?.row.id).toBe(37n);
  expect(outcome.rejected[0]?.reason).toMatch(/too long/);
  expect(await tableRows(table)).toHaveLength(49);
});

it('handles composite keys', async () => {
  const table = `upsert_composite_${suffix}`;
  const composite: BatchSchema = { ...schema, primaryKey: ['id', 'name'] };
  await upserter.upsert({ schema: 'public', name: table }, composite, [
    row(1, 'x', '2024-01-01 00:00:00'),
    row(1, 'y', '2024-01-01 00:00:00'),
  ]);
  await upserter.upsert({ schema: 'public', name: table }, composite, [
    row(1, 'x', '2024-01-02 00:00:00', '2'),
  ]);
  expect(await tableRows(table)).toEqual([
    expect.objectContaining({ name: 'x', amount: '2.0000000000' }),
    expect.objectContaining({ name: 'y', amount: '1.0000000001' }),
  ]);
});

it('lets parallel loaders write overlapping keys in any order without deadlock or duplicates', async () => {
  const table = `upsert_parallel_${suffix}`;
  await upserter.upsert({ schema: 'public', name: table }, schema, [row(0, 'seed', '2024-01-01 00:00:00')]);
  const batches = Array.from({ length: 6 }, (_, batchIndex) => {
    const ids = Array.from({ length: 400 }, (_, index) => index + 1);
    if (batchIndex % 2 === 1) ids.reverse();
    return ids.map((id) => row(id, `b${batchIndex}`, `2024-01-01 00:00:0${batchIndex}`));
  });
  const loaders = [new BatchUpserter(database), new BatchUpserter(database), new BatchUpserter(database)];
  await Promise.all(
    batches.map((batch, index) =>
      loaders[index % 3]?.upsert({ schema: 'public', name: table }, schema, batch),
    ),
  );
  const rows = await tableRows(table);
  expect(rows).toHaveLength(401);
  // The batch with the newest watermark wins for every key, whatever order they committed in.
  expect(rows.filter((candidate) => candidate.id !== '0').every((candidate) => candidate.name === 'b5')).toBe(
    true,
  );
});

it('writes no row versions for a re-sync of unchanged rows', async () => {
  const table = `upsert_noop_${suffix}`;
  const batch = Array.from({ length: 200 }, (_, index) => row(index + 1, `n${index}`, '2024-01-01 00:00:00'));
  await upserter.upsert({ schema: 'public', name: table }, schema, batch);
  // A rewritten row gets a new physical position and transaction id: compare both.
  const versions = (): Promise<Array<{ ctid: string; xmin: string }>> =>
    database.query(`SELECT ctid::text, xmin::text FROM public.${table} ORDER BY id`);
  const before = await versions();
  const outcome = await upserter.upsert({ schema: 'public', name: table }, schema, batch);
  expect(outcome.rowsWritten).toBe(0);
  expect(await versions()).toEqual(before);
  const changed = batch.map((item, index) => (index === 10 ? { ...item, name: 'changed' } : item));
  expect((await upserter.upsert({ schema: 'public', name: table }, schema, changed)).rowsWritten).toBe(1);
  expect((await versions()).filter((version, index) => version.xmin !== before[index]?.xmin)).toHaveLength(1);
});

it('shares one transaction between batches that take the COPY path and the upsert path', async () => {
  const target = { schema: 'public', name: `upsert_together_${suffix}` };
  const policy = {
    createTarget: true,
    schemaEvolution: 'add_columns' as const,
    softDeletes: false,
    deletedFlag: undefined,
  };
  await upserter.upsert(target, schema, [row(1, 'seed', '2024-01-01 00:00:00')]);
  const written = await upserter.upsertTogether([
    // New keys only: straight COPY. Then two batches over existing keys: the staging upsert,
    // twice in one transaction (the staging table is emptied in between).
    {
      target,
      schema,
      policy,
      rows: [row(10, 'new', '2024-01-01 00:00:00'), row(11, 'new', '2024-01-01 00:00:00')],
    },
    {
      target,
      schema,
      policy,
      rows: [row(1, 'updated', '2024-01-02 00:00:00'), row(10, 'older', '2023-12-31 00:00:00')],
    },
    {
      target,
      schema,
      policy,
      rows: [row(11, 'updated', '2024-01-02 00:00:00'), row(12, 'new', '2024-01-01 00:00:00')],
    },
  ]);
  expect(written).toEqual([2, 1, 2]);
  expect((await tableRows(target.name)).map((candidate) => [candidate.id, candidate.name])).toEqual([
    ['1', 'updated'],
    ['10', 'new'],
    ['11', 'updated'],
    ['12', 'new'],
  ]);
});

describe('the run fence', () => {
  const target = { schema: 'public', name: `upsert_fenced_${suffix}` };
  const attempt = (startedAtMs: number): string => `${String(startedAtMs).padStart(13, '0')}-${suffix}`;

  beforeAll(async () => {
    await new StateMigrator(database).migrateUp();
  });

  async function openFence(): Promise<string> {
    const runId = randomUUID();
    await database.query(
      "INSERT INTO qupersync_run_fences (run_id, job, open) VALUES ($1, 'fence-test', true)",
      [runId],
    );
    return runId;
  }

  it('lets only the newest extraction attempt of an open run write', async () => {
    const runId = await openFence();
    const write = (name: string, startedAtMs: number) =>
      upserter.upsert(target, schema, [row(1, name, '2024-01-01 00:00:00')], {
        fence: { runId, extractionId: attempt(startedAtMs) },
      });
    expect(await write('second', 2_000)).toEqual({ rowsWritten: 1, rejected: [] });
    await expect(write('first', 1_000)).rejects.toMatchObject({
      code: 'BATCH_STALE',
      message: expect.stringMatching(/superseded by extraction attempt 0000000002000-/) as unknown,
    });
    expect((await write('third', 3_000)).rowsWritten).toBe(1);
    await expect(write('second again', 2_000)).rejects.toMatchObject({ code: 'BATCH_STALE' });
    expect((await tableRows(target.name)).map((candidate) => candidate.name)).toEqual(['third']);
  });

  it('writes nothing for an ended run or an unknown one, whatever the attempt', async () => {
    const runId = await openFence();
    await database.query('UPDATE qupersync_run_fences SET open = false WHERE run_id = $1', [runId]);
    const write = (fenceRun: string) =>
      upserter.upsert(target, schema, [row(2, 'late', '2024-01-01 00:00:00')], {
        fence: { runId: fenceRun, extractionId: attempt(9_000) },
      });
    await expect(write(runId)).rejects.toMatchObject({
      message: expect.stringMatching(/run has ended/) as unknown,
    });
    await expect(write(randomUUID())).rejects.toMatchObject({
      message: expect.stringMatching(/unknown run/) as unknown,
    });
    expect((await tableRows(target.name)).map((candidate) => candidate.id)).not.toContain('2');
  });
});
