// Entity classes for business logic the built-in rules cannot express (the seed's pattern): a
// class registered by name with @RegisteredEntity, whose constructor validates and transforms one
// source row and whose declaration names the source columns it reads and the columns it writes.
// Jobs pick one with `entity.class: <name>`; unknown names stop the transformer at start-up.
import { ConfigurationError } from '@qupersync/config';
import type { JobDefinition } from '@qupersync/config';
import { QuperSyncError } from '@qupersync/contracts';
import type { BatchRow, ColumnKind } from '@qupersync/contracts';

/** Thrown by an entity constructor for a row that breaks a business rule: the row is dead-lettered. */
export class EntityValidationError extends QuperSyncError {
  constructor(reason: string) {
    super('ROW_INVALID', 'permanent', reason);
    this.name = 'EntityValidationError';
  }
}

export interface EntityInstance {
  /** The target row, by declared column name. */
  toRow(): BatchRow;
}

export type EntityConstructor = new (row: Readonly<BatchRow>) => EntityInstance;

/** A target column: a type of its own, or the type of a source column (`sameAs`). */
export type EntityColumnDeclaration =
  | {
      readonly name: string;
      readonly kind: ColumnKind;
      readonly sqlType?: string;
      readonly precision?: number;
      readonly scale?: number;
    }
  | { readonly name: string; readonly sameAs: string };

export interface EntityDeclaration {
  /** Source columns the constructor reads; a batch without them fails with their names. */
  readonly sourceColumns: readonly string[];
  /** Target columns, in order; the job's primary key must be among them. */
  readonly columns: readonly EntityColumnDeclaration[];
}

export interface RegisteredEntityClass {
  readonly name: string;
  readonly construct: EntityConstructor;
  readonly declaration: EntityDeclaration;
}

const registry = new Map<string, RegisteredEntityClass>();

/** Registers the decorated class under `name` when its module is imported. */
export function RegisteredEntity(name: string, declaration: EntityDeclaration) {
  return <Target extends EntityConstructor>(target: Target): Target => {
    const existing = registry.get(name);
    if (existing !== undefined && existing.construct !== target) {
      throw new Error(`entity class name "${name}" is registered twice`);
    }
    registry.set(name, { name, construct: target, declaration });
    return target;
  };
}

export function findRegisteredEntity(name: string): RegisteredEntityClass | undefined {
  return registry.get(name);
}

export function registeredEntityNames(): string[] {
  return [...registry.keys()].sort();
}

/** Start-up check: every `entity.class` of the jobs file names a registered class. */
export function assertEntityClassesRegistered(jobs: readonly JobDefinition[], origin: string): void {
  const problems = jobs.flatMap((job) => {
    const className = job.entity.className;
    if (className === undefined || registry.has(className)) return [];
    const known = registeredEntityNames();
    return [
      `job ${job.name}, field entity.class: no registered entity class "${className}" (registered: ${known.length > 0 ? known.join(', ') : 'none'})`,
    ];
  });
  if (problems.length > 0) {
    throw new ConfigurationError(`${origin}: invalid jobs file: ${problems.join('; ')}`, problems);
  }
}
