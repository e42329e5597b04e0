// Nest wiring for the gateway: the extractor imports RedshiftModule.forRoot(options) once.
import { type DynamicModule, Module } from '@nestjs/common';
import {
  REDSHIFT_GATEWAY_OPTIONS,
  RedshiftDataGateway,
  type RedshiftDataGatewayOptions,
} from './redshift-data.gateway';

@Module({})
export class RedshiftModule {
  static forRoot(options: RedshiftDataGatewayOptions): DynamicModule {
    return {
      module: RedshiftModule,
      providers: [{ provide: REDSHIFT_GATEWAY_OPTIONS, useValue: options }, RedshiftDataGateway],
      exports: [RedshiftDataGateway],
    };
  }
}
