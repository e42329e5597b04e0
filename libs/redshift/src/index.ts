// @qupersync/redshift: the extractor's Data API gateway and the SQL helpers the local endpoint shares.
export * from './collate-function.translator';
export * from './data-api.retry-policy';
export * from './redshift-data.gateway';
export * from './redshift.module';
export * from './source-record';
export * from './sql-placeholder.translator';
export * from './statement.target';
export * from './identifier-case.folder';
export * from './unload-statement.parser';
export * from './csv-records.parser';
