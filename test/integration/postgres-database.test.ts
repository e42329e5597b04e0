// PostgresDatabase against a real server whose connections die: a checked-out client losing its
// backend between two queries must neither crash the process nor go back into the pool.
import { Client } from 'pg';
import { isDatabaseUnavailable, PostgresDatabase } from '@qupersync/postgres';

let database: PostgresDatabase;

beforeAll(() => {
  database = new PostgresDatabase({
    connectionString: process.env.DATABASE_URL ?? '',
    poolSize: 1,
    applicationName: 'postgres-database-test',
  });
});

afterAll(async () => {
  await database.onModuleDestroy();
});

async function terminate(pid: number): Promise<void> {
  const admin = new Client({ connectionString: process.env.DATABASE_URL ?? '' });
  await admin.connect();
  try {
    await admin.query('SELECT pg_terminate_backend($1)', [pid]);
  } finally {
    await admin.end();
  }
}

// Without a listener on the checked-out client, the 'error' event is thrown: jest fails the test.
it('survives the backend of a checked-out client dying between queries, and replaces it', async () => {
  let firstPid = 0;
  const failure = await database
    .withClient(async (client) => {
      const result = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      firstPid = result.rows[0]?.pid ?? 0;
      await terminate(firstPid);
      // No query is running now: the loss arrives as an 'error' event on the client.
      await new Promise((resolve) => setTimeout(resolve, 300));
      await client.query('SELECT 1');
    })
    .catch((error: unknown) => error);
  expect(isDatabaseUnavailable(failure)).toBe(true);
  // The pool of one gave the dead client up: the next query gets a new backend.
  const [next] = await database.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  expect(next?.pid).toBeGreaterThan(0);
  expect(next?.pid).not.toBe(firstPid);
});
