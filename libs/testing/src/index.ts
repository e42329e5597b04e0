export * from './batch.factory';
