// The state schema's numbered migrations apply on an empty database, are idempotent, and
// revert cleanly with their down steps.
import { Client } from 'pg';
import { PostgresDatabase, StateMigrator, stateMigrations } from '@qupersync/postgres';

const databaseName = `qupersync_migrations_${Date.now().toString(36)}`;
let database: PostgresDatabase;

function urlOf(name: string): string {
  const url = new URL(process.env.DATABASE_URL ?? '');
  url.pathname = `/${name}`;
  return url.toString();
}

async function tables(): Promise<string[]> {
  const rows = await database.query<{ name: string }>(
    "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' AND tablename LIKE 'qupersync%' ORDER BY 1",
  );
  return rows.map((row) => row.name);
}

beforeAll(async () => {
  const admin = new Client({ connectionString: process.env.DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${databaseName}`);
  await admin.end();
  database = new PostgresDatabase({
    connectionString: urlOf(databaseName),
    poolSize: 2,
    applicationName: 'migrations-test',
  });
});

afterAll(async () => {
  await database.onModuleDestroy();
  const admin = new Client({ connectionString: process.env.DATABASE_URL });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${databaseName}`);
  await admin.end();
});

it('applies every migration once, in order, even when two services start together', async () => {
  const migrator = new StateMigrator(database);
  const [first, second] = await Promise.all([migrator.migrateUp(), migrator.migrateUp()]);
  expect([...(first ?? []), ...(second ?? [])]).toEqual(stateMigrations.map((migration) => migration.id));
  expect(await tables()).toEqual([
    'qupersync_applied_events',
    'qupersync_batches',
    'qupersync_dead_letters',
    'qupersync_jobs',
    'qupersync_migrations',
    'qupersync_run_fences',
    'qupersync_runs',
    'qupersync_state',
    'qupersync_trigger_requests',
  ]);
  expect(await migrator.migrateUp()).toEqual([]);
});

it('allows one active run per job and one watermark per job', async () => {
  await database.query(
    "INSERT INTO qupersync_runs (id, job, mode, status, trigger_source) VALUES (gen_random_uuid(), 'j', 'full', 'loading', 'test')",
  );
  await expect(
    database.query(
      "INSERT INTO qupersync_runs (id, job, mode, status, trigger_source) VALUES (gen_random_uuid(), 'j', 'full', 'pending', 'test')",
    ),
  ).rejects.toThrow(/qupersync_runs_one_active_per_job/);
  await database.query(
    "INSERT INTO qupersync_state (job, kind, watermark) VALUES ('j', 'watermark', '[\"1\"]')",
  );
  await expect(
    database.query("INSERT INTO qupersync_state (job, kind, watermark) VALUES ('j', 'watermark', '[\"2\"]')"),
  ).rejects.toThrow(/qupersync_state_one_watermark_per_job/);
});

it('lets a run end as cancelled, and nothing outside the known statuses', async () => {
  await database.query(
    "INSERT INTO qupersync_runs (id, job, mode, status, trigger_source) VALUES (gen_random_uuid(), 'c', 'full', 'cancelled', 'test')",
  );
  await expect(
    database.query(
      "INSERT INTO qupersync_runs (id, job, mode, status, trigger_source) VALUES (gen_random_uuid(), 'c', 'full', 'aborted', 'test')",
    ),
  ).rejects.toThrow(/qupersync_runs_status_check/);
});

it('reverts with the down steps and applies again', async () => {
  const migrator = new StateMigrator(database);
  const ids = stateMigrations.map((migration) => migration.id);
  expect(await migrator.migrateDown(0)).toEqual([...ids].reverse());
  expect(await tables()).toEqual(['qupersync_migrations']);
  expect(await migrator.migrateUp()).toEqual(ids);
});
