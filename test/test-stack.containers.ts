// The container flavour of the test servers: Apache Kafka (KRaft, the pinned version) and
// PostgreSQL 15 through testcontainers, used when a container engine answers.
import { GenericContainer, getContainerRuntimeClient, Wait, type StartedTestContainer } from 'testcontainers';
import { Client } from 'pg';
import { findFreePort, readKafkaVersion } from '../tools/stack';

export interface ContainerServers {
  kafkaBrokers: string;
  databaseUrl: string;
  warehouseDatabaseUrl: string;
  stop(): Promise<void>;
}

export async function containerEngineAnswers(): Promise<boolean> {
  try {
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}

export async function startContainerServers(): Promise<ContainerServers> {
  const runtime = await getContainerRuntimeClient();
  const host = runtime.info.containerRuntime.host;
  // The advertised listener must be the address clients use, so the host port is chosen first.
  const kafkaPort = await findFreePort();
  const started: StartedTestContainer[] = [];
  try {
    const kafka = await new GenericContainer(`apache/kafka:${readKafkaVersion()}`)
      .withExposedPorts({ container: 9092, host: kafkaPort })
      .withEnvironment({
        KAFKA_NODE_ID: '1',
        KAFKA_PROCESS_ROLES: 'broker,controller',
        KAFKA_LISTENERS: 'PLAINTEXT://:9092,CONTROLLER://:9093',
        KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://${host}:${kafkaPort}`,
        KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
        KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
        KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
        KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
        KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
        KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
        KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR: '1',
        KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
        KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false',
        KAFKA_MESSAGE_MAX_BYTES: String(16 * 1024 * 1024),
        KAFKA_REPLICA_FETCH_MAX_BYTES: String(16 * 1024 * 1024),
      })
      .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
      .start();
    started.push(kafka);
    const postgres = await new GenericContainer('postgres:15')
      .withEnvironment({
        POSTGRES_USER: 'qupersync',
        POSTGRES_PASSWORD: 'qupersync',
        POSTGRES_DB: 'qupersync',
      })
      .withExposedPorts(5432)
      .withTmpFs({ '/var/lib/postgresql/data': 'rw' })
      // The image's entrypoint starts the server twice (init, then for real).
      .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
      .start();
    started.push(postgres);
    const base = `postgres://qupersync:qupersync@${postgres.getHost()}:${postgres.getMappedPort(5432)}`;
    const client = new Client({ connectionString: `${base}/qupersync` });
    await client.connect();
    await client.query('CREATE DATABASE warehouse').finally(() => client.end());
    return {
      kafkaBrokers: `${host}:${kafkaPort}`,
      databaseUrl: `${base}/qupersync`,
      warehouseDatabaseUrl: `${base}/warehouse`,
      stop: () => stopAll(started),
    };
  } catch (error) {
    await stopAll(started);
    throw error;
  }
}

async function stopAll(containers: readonly StartedTestContainer[]): Promise<void> {
  await Promise.all(containers.map((container) => container.stop()));
}
