// Transformer entry point.
import 'reflect-metadata';
import { JobCatalog, loadJobsFile, parseEnvironment, serviceEnvironmentSchema } from '@qupersync/config';
import { kafkaSettingsFromEnvironment, runMain, startService } from '@qupersync/kafka';
import { TransformerModule } from './transformer.module';

runMain('transformer', async () => {
  const service = parseEnvironment(serviceEnvironmentSchema);
  const kafka = kafkaSettingsFromEnvironment('qupersync-transformer');
  const jobs = new JobCatalog(loadJobsFile(service.QUPERSYNC_JOBS_FILE));
  await startService({
    name: 'transformer',
    module: TransformerModule.register({ kafka, jobs }),
    httpPort: service.HTTP_PORT,
    logLevel: service.LOG_LEVEL,
    transport: {
      settings: kafka,
      groupId: 'qupersync-transformer',
      stage: 'transformer',
      partitionsConsumedConcurrently: 2,
      // A transformer that dies hands its partitions over after 10 s (it heartbeats per batch).
      sessionTimeoutMs: 10_000,
    },
  });
});
