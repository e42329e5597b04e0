// Extractor entry point.
import 'reflect-metadata';
import {
  extractorEnvironmentSchema,
  JobCatalog,
  loadJobsFile,
  parseEnvironment,
  redshiftEnvironmentSchema,
  serviceEnvironmentSchema,
} from '@qupersync/config';
import { consumerGroups, kafkaSettingsFromEnvironment, runMain, startService } from '@qupersync/kafka';
import { ExtractorModule } from './extractor.module';

runMain('extractor', async () => {
  const service = parseEnvironment(serviceEnvironmentSchema);
  const redshift = parseEnvironment(redshiftEnvironmentSchema);
  const extractor = parseEnvironment(extractorEnvironmentSchema);
  const kafka = kafkaSettingsFromEnvironment('qupersync-extractor');
  const jobs = new JobCatalog(loadJobsFile(service.QUPERSYNC_JOBS_FILE), service.QUPERSYNC_JOBS_FILE);
  await startService({
    name: 'extractor',
    module: ExtractorModule.register({
      kafka,
      redshift,
      jobs,
      concurrentExtractions: extractor.EXTRACTOR_CONCURRENT_EXTRACTIONS,
    }),
    jobs,
    httpPort: service.HTTP_PORT,
    httpHost: service.HTTP_HOST,
    logLevel: service.LOG_LEVEL,
    otlpEndpoint: service.OTEL_EXPORTER_OTLP_ENDPOINT,
    // Extractions run detached from their handler (see ExtractRequestConsumer); they heartbeat
    // between batches all the same.
    transport: {
      settings: kafka,
      groupId: consumerGroups.extractor,
      stage: 'extractor',
      partitionsConsumedConcurrently: 3,
      sessionTimeoutMs: 60_000,
    },
  });
});
