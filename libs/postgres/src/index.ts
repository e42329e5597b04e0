export * from './postgres.database';
export * from './state-migrator.service';
export * from './postgres.module';
export * from './migrations';
export * from './upsert-key.inspector';
