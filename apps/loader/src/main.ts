// Loader entry point.
import 'reflect-metadata';
import {
  databaseEnvironmentSchema,
  JobCatalog,
  loadJobsFile,
  parseEnvironment,
  serviceEnvironmentSchema,
} from '@qupersync/config';
import { consumerGroups, kafkaSettingsFromEnvironment, runMain, startService } from '@qupersync/kafka';
import { StateMigrator } from '@qupersync/postgres';
import { LoaderModule } from './loader.module';

runMain('loader', async () => {
  const service = parseEnvironment(serviceEnvironmentSchema);
  const database = parseEnvironment(databaseEnvironmentSchema);
  const kafka = kafkaSettingsFromEnvironment('qupersync-loader');
  const jobs = new JobCatalog(loadJobsFile(service.QUPERSYNC_JOBS_FILE), service.QUPERSYNC_JOBS_FILE);
  await startService({
    name: 'loader',
    module: LoaderModule.register({
      kafka,
      postgres: {
        connectionString: database.DATABASE_URL,
        poolSize: database.DATABASE_POOL_SIZE,
        applicationName: 'qupersync-loader',
      },
      jobs,
    }),
    jobs,
    httpPort: service.HTTP_PORT,
    httpHost: service.HTTP_HOST,
    logLevel: service.LOG_LEVEL,
    otlpEndpoint: service.OTEL_EXPORTER_OTLP_ENDPOINT,
    transport: {
      settings: kafka,
      groupId: consumerGroups.loader,
      stage: 'loader',
      partitionsConsumedConcurrently: 2,
      // A loader that dies hands its partitions over after 10 s, not the default 30 s; it
      // heartbeats between batches and during retries, which take far less.
      sessionTimeoutMs: 10_000,
    },
    beforeListen: async (app) => {
      await app.get(StateMigrator).migrateUp();
    },
  });
});
