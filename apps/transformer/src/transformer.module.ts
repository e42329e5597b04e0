// The transformer service: entity mapping and validation between extraction and loading.
import { DynamicModule, Module, Provider } from '@nestjs/common';
import { JobCatalog } from '@qupersync/config';
import { KafkaModule, KafkaSettings } from '@qupersync/kafka';
import { HealthRegistry, ObservabilityModule, SystemClock } from '@qupersync/observability';
import { PostgresDatabase, PostgresModule, PostgresSettings } from '@qupersync/postgres';
import { BatchTransformer } from './batch-transformer.service';
import {
  CurrencyRatesProvider,
  TargetTableRatesProvider,
  UnconfiguredRatesProvider,
} from './currency-rates.provider';
import { ExtractedBatchConsumer } from './extracted-batch.consumer';
import './entities';

@Module({})
export class TransformerModule {
  /** `postgres` only when a job reads currency rates from the target database. */
  static register(options: {
    kafka: KafkaSettings;
    jobs: JobCatalog;
    postgres?: PostgresSettings | undefined;
  }): DynamicModule {
    const ratesProviders: Provider[] =
      options.postgres === undefined
        ? [{ provide: CurrencyRatesProvider, useClass: UnconfiguredRatesProvider }]
        : [
            SystemClock,
            { provide: CurrencyRatesProvider, useClass: TargetTableRatesProvider },
            {
              provide: 'TRANSFORMER_HEALTH',
              inject: [HealthRegistry, PostgresDatabase],
              useFactory: (health: HealthRegistry, database: PostgresDatabase) => {
                health.register('database', () => database.isReachable());
                return true;
              },
            },
          ];
    return {
      module: TransformerModule,
      imports: [
        ObservabilityModule,
        KafkaModule.forRoot(options.kafka),
        ...(options.postgres === undefined ? [] : [PostgresModule.forRoot(options.postgres)]),
      ],
      controllers: [ExtractedBatchConsumer],
      providers: [{ provide: JobCatalog, useValue: options.jobs }, BatchTransformer, ...ratesProviders],
    };
  }
}
