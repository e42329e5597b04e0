// Transformer entry point. Entity classes are registered by importing them; a job naming an
// unknown class, or reading a rates table without DATABASE_URL, stops the service at start-up.
import 'reflect-metadata';
import {
  ConfigurationError,
  databaseEnvironmentSchema,
  JobCatalog,
  type JobDefinition,
  loadJobsFile,
  parseEnvironment,
  serviceEnvironmentSchema,
} from '@qupersync/config';
import { assertEntityClassesRegistered } from '@qupersync/entity';
import { consumerGroups, kafkaSettingsFromEnvironment, runMain, startService } from '@qupersync/kafka';
import './entities';
import { TransformerModule } from './transformer.module';

runMain('transformer', async () => {
  const service = parseEnvironment(serviceEnvironmentSchema);
  const kafka = kafkaSettingsFromEnvironment('qupersync-transformer');
  const definitions = loadJobsFile(service.QUPERSYNC_JOBS_FILE);
  const readsRatesTable = (jobs: readonly JobDefinition[]): boolean =>
    jobs.some((job) =>
      job.entity.rules.some((rule) => rule.type === 'currency' && rule.rates_table !== undefined),
    );
  assertEntityClassesRegistered(definitions, service.QUPERSYNC_JOBS_FILE);
  const database = readsRatesTable(definitions) ? parseEnvironment(databaseEnvironmentSchema) : undefined;
  // A reloaded file must pass the same checks; a rates table then needs the database from the start.
  const jobs = new JobCatalog(definitions, service.QUPERSYNC_JOBS_FILE, (reloaded) => {
    assertEntityClassesRegistered(reloaded, service.QUPERSYNC_JOBS_FILE);
    if (database === undefined && readsRatesTable(reloaded))
      throw new ConfigurationError(
        `${service.QUPERSYNC_JOBS_FILE}: a currency rule reads a rates table, but the transformer started without DATABASE_URL; restart it with one`,
        ['rates_table without DATABASE_URL'],
      );
  });
  await startService({
    name: 'transformer',
    module: TransformerModule.register({
      kafka,
      jobs,
      postgres:
        database === undefined
          ? undefined
          : {
              connectionString: database.DATABASE_URL,
              poolSize: Math.min(database.DATABASE_POOL_SIZE, 2),
              applicationName: 'qupersync-transformer',
            },
    }),
    jobs,
    httpPort: service.HTTP_PORT,
    httpHost: service.HTTP_HOST,
    logLevel: service.LOG_LEVEL,
    otlpEndpoint: service.OTEL_EXPORTER_OTLP_ENDPOINT,
    transport: {
      settings: kafka,
      groupId: consumerGroups.transformer,
      stage: 'transformer',
      partitionsConsumedConcurrently: 2,
    },
  });
});
