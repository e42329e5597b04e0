export * from './configuration.error';
export * from './environment.schema';
export * from './environment.loader';
export * from './job-definition.schema';
export * from './jobs-file.loader';
export * from './sql-identifier';
export * from './duration.parser';
export * from './job-catalog';
