// Transformer entry point. Entity classes are registered by importing them; a job naming an
// unknown class, or reading a rates table without DATABASE_URL, stops the service at start-up.
import 'reflect-metadata';
import {
  databaseEnvironmentSchema,
  JobCatalog,
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
  assertEntityClassesRegistered(definitions, service.QUPERSYNC_JOBS_FILE);
  const readsRatesTable = definitions.some((job) =>
    job.entity.rules.some((rule) => rule.type === 'currency' && rule.rates_table !== undefined),
  );
  const database = readsRatesTable ? parseEnvironment(databaseEnvironmentSchema) : undefined;
  await startService({
    name: 'transformer',
    module: TransformerModule.register({
      kafka,
      jobs: new JobCatalog(definitions),
      postgres:
        database === undefined
          ? undefined
          : {
              connectionString: database.DATABASE_URL,
              poolSize: Math.min(database.DATABASE_POOL_SIZE, 2),
              applicationName: 'qupersync-transformer',
            },
    }),
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
