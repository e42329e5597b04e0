export * from './json.logger';
export * from './pipeline.metrics';
export * from './health.controller';
export * from './observability.module';
export * from './system.clock';
export * from './exponential.backoff';
export * from './span.exporter';
