export * from './redshift-type.mapping';
export * from './exact-value.converter';
export * from './entity.mapper';
