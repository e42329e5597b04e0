// What the loader exposes to its own integration tests (apps are never imported by other apps).
export * from './batch-upserter.service';
export * from './upsert-statement.builder';
