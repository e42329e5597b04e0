// Entry point of the local Redshift Data API endpoint (apps/data-api).
import 'reflect-metadata';
import { dataApiEnvironmentSchema, parseEnvironment } from '@qupersync/config';
import { configureLogging, JsonLogger } from '@qupersync/observability';
import { createDataApiApplication } from './data-api.application';
import { dataApiOptions } from './data-api.options';

async function bootstrap(): Promise<void> {
  const environment = parseEnvironment(dataApiEnvironmentSchema);
  configureLogging({ service: 'data-api', level: environment.LOG_LEVEL });
  const app = await createDataApiApplication(
    dataApiOptions(environment.WAREHOUSE_DATABASE_URL, {
      maxRowBytes: environment.DATA_API_MAX_ROW_BYTES,
      maxResultBytes: environment.DATA_API_MAX_RESULT_BYTES,
      resultTtlMs: environment.DATA_API_RESULT_TTL_SECONDS * 1000,
      unloadSlices: environment.DATA_API_UNLOAD_SLICES,
      unloadPartBytes: environment.DATA_API_UNLOAD_PART_BYTES,
      s3Endpoint: environment.S3_ENDPOINT,
      s3Region: environment.AWS_REGION,
    }),
  );
  app.enableShutdownHooks();
  await app.listen(environment.HTTP_PORT, environment.HTTP_HOST);
}

bootstrap().catch((error: unknown) => {
  configureLogging({ service: 'data-api', level: 'error' });
  new JsonLogger('Bootstrap').error('data-api failed to start', {
    error: error instanceof Error ? error.message : String(error),
  });
  process.exit(1);
});
