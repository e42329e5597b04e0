// S3 access (UNLOAD files and manifests) behind one injectable class, and S3 URI parsing.
export * from './object-store';
export * from './object-store.module';
export * from './s3-location';
export * from './unload-manifest';
export * from './csv-record.splitter';
export * from './parquet-values';
export * from './parquet-file.reader';
export * from './parquet-file.writer';
