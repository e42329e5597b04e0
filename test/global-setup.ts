// Jest globalSetup of the integration and e2e projects: one Kafka and one PostgreSQL for the
// whole run, exported as KAFKA_BROKERS / DATABASE_URL / WAREHOUSE_DATABASE_URL for the workers.
// Servers given in the environment win; else containers when an engine answers; else the local
// servers of tools/stack in .qupersync/test-stack (reused data dirs keep start-up at seconds).
import './test-stack.paths';
import * as path from 'node:path';
import { Client } from 'pg';
import {
  createTopics,
  leaseStackDirectory,
  startKafka,
  startPostgres,
  stopKafka,
  stopPostgres,
  testStackDirectory,
} from '../tools/stack';
import { containerEngineAnswers, startContainerServers } from './test-stack.containers';
import { testStackMarker, type TestStackHandle } from './test-stack.handle';

interface Servers {
  kafkaBrokers: string;
  databaseUrl: string;
  warehouseDatabaseUrl: string;
  handle: TestStackHandle;
}

// Jest loads this module through interop and calls its default export.
export default async function globalSetup(): Promise<void> {
  if (process.env[testStackMarker]) return; // the other project's setup already ran in this jest process
  const started = Date.now();
  const servers = await startServers();
  try {
    await createTopics(servers.kafkaBrokers);
  } catch (error) {
    await servers.handle.stop();
    throw error;
  }
  globalThis.qupersyncTestStack = servers.handle;
  process.env.KAFKA_BROKERS = servers.kafkaBrokers;
  process.env.DATABASE_URL = servers.databaseUrl;
  process.env.WAREHOUSE_DATABASE_URL = servers.warehouseDatabaseUrl;
  process.env[testStackMarker] = servers.handle.source;
  process.stderr.write(
    `\n[test stack] ${servers.handle.source}: Kafka ${servers.kafkaBrokers}, PostgreSQL ${servers.databaseUrl} (${Date.now() - started} ms)\n`,
  );
}

async function startServers(): Promise<Servers> {
  const {
    KAFKA_BROKERS: kafkaBrokers,
    DATABASE_URL: databaseUrl,
    WAREHOUSE_DATABASE_URL: warehouseUrl,
  } = process.env;
  if (kafkaBrokers && databaseUrl) {
    const warehouseDatabaseUrl = warehouseUrl ?? (await ensureWarehouseBeside(databaseUrl));
    return {
      kafkaBrokers,
      databaseUrl,
      warehouseDatabaseUrl,
      handle: { source: 'external', stop: () => Promise.resolve() },
    };
  }
  if (await containerEngineAnswers()) {
    const containers = await startContainerServers();
    return { ...containers, handle: { source: 'containers', stop: () => containers.stop() } };
  }
  return startLocalServers();
}

async function startLocalServers(): Promise<Servers> {
  // A slot of its own: another jest run on this machine may be using .qupersync/test-stack.
  const lease = leaseStackDirectory(testStackDirectory);
  const [kafka, postgres] = await Promise.allSettled([
    startKafka({ directory: path.join(lease.directory, 'kafka') }),
    // Throw-away data: fsync off makes the suites' many small transactions cheap.
    startPostgres({ directory: path.join(lease.directory, 'postgres'), durable: false }),
  ]);
  const stop = async (): Promise<void> => {
    await Promise.all([
      kafka.status === 'fulfilled' ? stopKafka(kafka.value) : undefined,
      postgres.status === 'fulfilled' ? stopPostgres(postgres.value) : undefined,
    ]);
    lease.release();
  };
  if (kafka.status === 'rejected' || postgres.status === 'rejected') {
    await stop(); // jest skips teardown when setup fails: leave nothing running
    throw kafka.status === 'rejected'
      ? kafka.reason
      : postgres.status === 'rejected'
        ? postgres.reason
        : undefined;
  }
  return {
    kafkaBrokers: kafka.value.brokers,
    databaseUrl: postgres.value.databaseUrl,
    warehouseDatabaseUrl: postgres.value.warehouseDatabaseUrl,
    handle: { source: 'local', stop },
  };
}

/** For servers given by URL only: the warehouse database sits beside the state database. */
async function ensureWarehouseBeside(databaseUrl: string): Promise<string> {
  const url = new URL(databaseUrl);
  url.pathname = '/warehouse';
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const exists = await client.query("SELECT 1 FROM pg_database WHERE datname = 'warehouse'");
    if (exists.rowCount === 0) await client.query('CREATE DATABASE warehouse');
  } finally {
    await client.end();
  }
  return url.toString();
}
