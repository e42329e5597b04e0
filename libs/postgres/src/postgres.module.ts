// Provides the PostgresDatabase and the state migrator for a service.
import { DynamicModule, Global, Module } from '@nestjs/common';
import { POSTGRES_SETTINGS, PostgresDatabase, PostgresSettings } from './postgres.database';
import { StateMigrator } from './state-migrator.service';

@Global()
@Module({})
export class PostgresModule {
  static forRoot(settings: PostgresSettings): DynamicModule {
    return {
      module: PostgresModule,
      providers: [{ provide: POSTGRES_SETTINGS, useValue: settings }, PostgresDatabase, StateMigrator],
      exports: [PostgresDatabase, StateMigrator],
    };
  }
}
