// Nest wiring of the local Data API endpoint; options come from main.ts or from a test.
import { type DynamicModule, Module } from '@nestjs/common';
import { ObjectStoreModule } from '@qupersync/object-store';
import { DataApiController } from './data-api.controller';
import { DATA_API_OPTIONS, type DataApiOptions } from './data-api.options';
import { FaultInjector } from './fault.injector';
import { HealthController } from './health.controller';
import { LocalFaultsController } from './local-faults.controller';
import { StatementExecutor } from './statement.executor';
import { StatementService } from './statement.service';
import { UnloadExecutor } from './unload.executor';
import { WarehousePool } from './warehouse.pool';

@Module({})
export class DataApiModule {
  static register(options: DataApiOptions): DynamicModule {
    return {
      module: DataApiModule,
      imports: [ObjectStoreModule.forRoot({ endpoint: options.s3Endpoint, region: options.s3Region })],
      controllers: [DataApiController, LocalFaultsController, HealthController],
      providers: [
        { provide: DATA_API_OPTIONS, useValue: options },
        WarehousePool,
        FaultInjector,
        StatementExecutor,
        StatementService,
        UnloadExecutor,
      ],
    };
  }
}
