// The loader service: idempotent upserts into PostgreSQL; scale it out in one consumer group.
import { DynamicModule, Module } from '@nestjs/common';
import { JobCatalog } from '@qupersync/config';
import { KafkaModule, KafkaSettings } from '@qupersync/kafka';
import { HealthRegistry, ObservabilityModule, SystemClock } from '@qupersync/observability';
import { PostgresDatabase, PostgresModule, PostgresSettings } from '@qupersync/postgres';
import { BatchUpserter } from './batch-upserter.service';
import { TransformedBatchConsumer } from './transformed-batch.consumer';

@Module({})
export class LoaderModule {
  static register(options: {
    kafka: KafkaSettings;
    postgres: PostgresSettings;
    jobs: JobCatalog;
  }): DynamicModule {
    return {
      module: LoaderModule,
      imports: [
        ObservabilityModule,
        KafkaModule.forRoot(options.kafka),
        PostgresModule.forRoot(options.postgres),
      ],
      controllers: [TransformedBatchConsumer],
      providers: [
        { provide: JobCatalog, useValue: options.jobs },
        SystemClock,
        BatchUpserter,
        {
          provide: 'LOADER_HEALTH',
          inject: [HealthRegistry, PostgresDatabase],
          useFactory: (health: HealthRegistry, database: PostgresDatabase) => {
            health.register('database', () => database.isReachable());
            return true;
          },
        },
      ],
    };
  }
}
