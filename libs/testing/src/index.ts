export * from './batch.factory';
export * from './warehouse-table.factory';
