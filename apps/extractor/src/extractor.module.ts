// The extractor service: Data API keyset extraction (or UNLOAD to S3) into Avro batches.
import { DynamicModule, Module } from '@nestjs/common';
import { JobCatalog } from '@qupersync/config';
import { KafkaModule, KafkaSettings } from '@qupersync/kafka';
import { ObservabilityModule, SystemClock } from '@qupersync/observability';
import { ObjectStoreModule } from '@qupersync/object-store';
import { RedshiftModule } from '@qupersync/redshift';
import type { RedshiftEnvironment } from '@qupersync/redshift';
import { BatchPublisher } from './batch-publisher.service';
import { ExtractRequestConsumer } from './extract-request.consumer';
import { EXTRACTION_CONCURRENCY, ExtractionRegistry } from './extraction.registry';
import { ExtractionService, REDSHIFT_ENVIRONMENT } from './extraction.service';
import { ExtractPartConsumer } from './extract-part.consumer';
import { UnloadFilesReader } from './unload-files.reader';
import { UnloadPartTracker } from './unload-part.tracker';
import { UnloadPartWorker } from './unload-part.worker';

@Module({})
export class ExtractorModule {
  static register(options: {
    kafka: KafkaSettings;
    redshift: RedshiftEnvironment;
    jobs: JobCatalog;
    concurrentExtractions: number;
  }): DynamicModule {
    return {
      module: ExtractorModule,
      imports: [
        ObservabilityModule,
        KafkaModule.forRoot(options.kafka),
        RedshiftModule.forRoot({ environment: options.redshift }),
        ObjectStoreModule.forRoot({
          endpoint: options.redshift.S3_ENDPOINT,
          region: options.redshift.AWS_REGION,
        }),
      ],
      controllers: [ExtractRequestConsumer, ExtractPartConsumer],
      providers: [
        { provide: JobCatalog, useValue: options.jobs },
        { provide: REDSHIFT_ENVIRONMENT, useValue: options.redshift },
        { provide: EXTRACTION_CONCURRENCY, useValue: options.concurrentExtractions },
        BatchPublisher,
        ExtractionRegistry,
        ExtractionService,
        SystemClock,
        UnloadFilesReader,
        UnloadPartTracker,
        UnloadPartWorker,
      ],
    };
  }
}
