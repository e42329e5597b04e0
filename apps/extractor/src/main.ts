// Extractor entry point.
import 'reflect-metadata';
import {
  JobCatalog,
  loadJobsFile,
  parseEnvironment,
  redshiftEnvironmentSchema,
  serviceEnvironmentSchema,
} from '@qupersync/config';
import { kafkaSettingsFromEnvironment, runMain, startService } from '@qupersync/kafka';
import { ExtractorModule } from './extractor.module';

runMain('extractor', async () => {
  const service = parseEnvironment(serviceEnvironmentSchema);
  const redshift = parseEnvironment(redshiftEnvironmentSchema);
  const kafka = kafkaSettingsFromEnvironment('qupersync-extractor');
  const jobs = new JobCatalog(loadJobsFile(service.QUPERSYNC_JOBS_FILE));
  await startService({
    name: 'extractor',
    module: ExtractorModule.register({ kafka, redshift, jobs }),
    httpPort: service.HTTP_PORT,
    httpHost: service.HTTP_HOST,
    logLevel: service.LOG_LEVEL,
    // Extraction of one request is long work; the handler heartbeats between batches.
    transport: {
      settings: kafka,
      groupId: 'qupersync-extractor',
      stage: 'extractor',
      partitionsConsumedConcurrently: 3,
      sessionTimeoutMs: 60_000,
    },
  });
});
