// The transformer service: entity mapping and validation between extraction and loading.
import { DynamicModule, Module } from '@nestjs/common';
import { JobCatalog } from '@qupersync/config';
import { KafkaModule, KafkaSettings } from '@qupersync/kafka';
import { ObservabilityModule } from '@qupersync/observability';
import { BatchTransformer } from './batch-transformer.service';
import { ExtractedBatchConsumer } from './extracted-batch.consumer';

@Module({})
export class TransformerModule {
  static register(options: { kafka: KafkaSettings; jobs: JobCatalog }): DynamicModule {
    return {
      module: TransformerModule,
      imports: [ObservabilityModule, KafkaModule.forRoot(options.kafka)],
      controllers: [ExtractedBatchConsumer],
      providers: [{ provide: JobCatalog, useValue: options.jobs }, BatchTransformer],
    };
  }
}
