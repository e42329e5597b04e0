// Stall detection goes by the database's clock: a run is stalled when the database says its last
// progress is older than the timeout, whatever this process's clock says.
import { randomUUID } from 'node:crypto';
import { PostgresDatabase, StateMigrator } from '@qupersync/postgres';
import { RunStateRepository } from '../../apps/coordinator/src';

let database: PostgresDatabase;
let repository: RunStateRepository;

beforeAll(async () => {
  database = new PostgresDatabase({
    connectionString: process.env.DATABASE_URL ?? '',
    poolSize: 2,
    applicationName: 'run-clock-test',
  });
  await new StateMigrator(database).migrateUp();
  repository = new RunStateRepository(database);
});

afterAll(async () => {
  await database.onModuleDestroy();
});

async function insertRun(job: string, progressAgo: string): Promise<string> {
  const id = randomUUID();
  await database.query(
    `INSERT INTO qupersync_runs (id, job, mode, status, trigger_source, last_progress_at)
     VALUES ($1, $2, 'full', 'extracting', 'test', now() - $3::interval)`,
    [id, job, progressAgo],
  );
  return id;
}

it('finds runs stalled by the database clock, and only those', async () => {
  const suffix = randomUUID().slice(0, 8);
  const stalled = await insertRun(`clock-stalled-${suffix}`, '10 minutes');
  const fresh = await insertRun(`clock-fresh-${suffix}`, '1 second');
  const found = (await repository.stalledRuns(5 * 60_000)).map((run) => run.id);
  expect(found).toContain(stalled);
  expect(found).not.toContain(fresh);
  const now = await repository.databaseNow();
  expect(Math.abs(now.getTime() - Date.now())).toBeLessThan(60_000);
  await database.query("UPDATE qupersync_runs SET status = 'failed' WHERE id = ANY($1::uuid[])", [
    [stalled, fresh],
  ]);
});
