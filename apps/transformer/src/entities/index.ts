// Importing this module registers every entity class of the transformer (@RegisteredEntity runs
// at import): add a line here for each new class.
export * from './order.entity';
