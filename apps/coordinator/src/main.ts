// Coordinator entry point: parse the environment and the jobs file, migrate the state schema,
// make sure the topics exist, then serve the API and consume triggers and batch events.
import 'reflect-metadata';
import {
  coordinatorEnvironmentSchema,
  databaseEnvironmentSchema,
  JobCatalog,
  loadJobsFile,
  parseEnvironment,
  redshiftEnvironmentSchema,
  serviceEnvironmentSchema,
} from '@qupersync/config';
import { allTopics, topicConfigEntries, topicPartitions } from '@qupersync/contracts';
import {
  consumerGroups,
  KafkaGateway,
  kafkaSettingsFromEnvironment,
  runMain,
  startService,
} from '@qupersync/kafka';
import { StateMigrator } from '@qupersync/postgres';
import { CoordinatorModule } from './coordinator.module';
import { JobsReloadService } from './jobs-reload.service';

runMain('coordinator', async () => {
  const service = parseEnvironment(serviceEnvironmentSchema);
  const database = parseEnvironment(databaseEnvironmentSchema);
  const coordinator = parseEnvironment(coordinatorEnvironmentSchema);
  // The source, for `verify` (its checksums run there through the Data API).
  const redshift = parseEnvironment(redshiftEnvironmentSchema);
  const kafka = kafkaSettingsFromEnvironment('qupersync-coordinator');
  const jobs = new JobCatalog(loadJobsFile(service.QUPERSYNC_JOBS_FILE), service.QUPERSYNC_JOBS_FILE);
  const module = CoordinatorModule.register({
    kafka,
    postgres: {
      connectionString: database.DATABASE_URL,
      poolSize: database.DATABASE_POOL_SIZE,
      applicationName: 'qupersync-coordinator',
    },
    coordinator: {
      apiToken: coordinator.COORDINATOR_API_TOKEN,
      runStallTimeoutMs: coordinator.RUN_STALL_TIMEOUT_MS,
      deadLetterRetentionDays: coordinator.DEAD_LETTER_RETENTION_DAYS,
    },
    jobs,
    redshift,
  });
  await startService({
    name: 'coordinator',
    module,
    jobs,
    // SIGHUP reloads like `qupersync jobs reload`: a removed job's active run finishes.
    onJobsReload: async (app) => {
      await app.get(JobsReloadService).reload('finish');
    },
    httpPort: service.HTTP_PORT,
    httpHost: service.HTTP_HOST,
    logLevel: service.LOG_LEVEL,
    otlpEndpoint: service.OTEL_EXPORTER_OTLP_ENDPOINT,
    // Triggers and batch events of different runs proceed side by side; one run's events share a partition.
    transport: {
      settings: kafka,
      groupId: consumerGroups.coordinator,
      stage: 'coordinator',
      partitionsConsumedConcurrently: 4,
    },
    beforeListen: async (app) => {
      await app.get(StateMigrator).migrateUp();
      await app.get(KafkaGateway).ensureTopics(
        allTopics.map((topic) => ({
          topic,
          partitions: topicPartitions[topic],
          configEntries: topicConfigEntries(topic),
        })),
      );
    },
  });
});
