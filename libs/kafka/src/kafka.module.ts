// Provides the KafkaGateway for a service, built from its parsed settings.
import { DynamicModule, Global, Module } from '@nestjs/common';
import { KafkaGateway } from './kafka.gateway';
import { KAFKA_SETTINGS, KafkaSettings } from './kafka.settings';

@Global()
@Module({})
export class KafkaModule {
  static forRoot(settings: KafkaSettings): DynamicModule {
    return {
      module: KafkaModule,
      providers: [{ provide: KAFKA_SETTINGS, useValue: settings }, KafkaGateway],
      exports: [KafkaGateway],
    };
  }
}
