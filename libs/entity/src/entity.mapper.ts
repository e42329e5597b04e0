// Maps a source row to the job's entity: column selection and renames, numeric-as-float where a
// job asks for it, the built-in rules in the order the job lists them, and required fields; or,
// with `entity.class`, a registered entity class. The output schema is the target schema the
// loader writes with; invalid rows come back with the reason, never dropped. A mapper is built
// once per (job, source schema), so every name and kind is resolved before the first row.
import type { BatchColumn, BatchRow, BatchSchema, ExactValue } from '@qupersync/contracts';
import { describeError, QuperSyncError } from '@qupersync/contracts';
import type { EntityDefinition, JobDefinition, RatesTableReference } from '@qupersync/config';
import {
  batchInvalid,
  BatchRuleInputs,
  compileRules,
  noBatchRuleInputs,
  ratesTablesOf,
  RowStep,
  WorkingColumns,
} from './entity-rule.compiler';
import {
  EntityColumnDeclaration,
  EntityInstance,
  findRegisteredEntity,
  RegisteredEntityClass,
} from './registered-entity.registry';

export type MappedRow =
  { readonly valid: true; readonly row: BatchRow } | { readonly valid: false; readonly reason: string };

export interface RowMapper {
  readonly targetSchema: BatchSchema;
  /**
   * True when mapping cannot change or reject any row: every column kept as it is, no rule, and
   * every required column NOT NULL in the source. The transformer then forwards the batch's bytes
   * without decoding them.
   */
  readonly passesThrough: boolean;
  /** Rates tables the batch must read from the target database before mapping. */
  readonly ratesTables: readonly RatesTableReference[];
  map(sourceRow: BatchRow, inputs?: BatchRuleInputs): MappedRow;
}

interface ColumnPlan {
  readonly sourceName: string;
  readonly targetName: string;
  readonly toFloat: boolean;
}

export function createRowMapper(
  sourceSchema: BatchSchema,
  job: Pick<JobDefinition, 'entity' | 'numericAsFloat'>,
): RowMapper {
  const className = job.entity.className;
  if (className === undefined) return new EntityMapper(sourceSchema, job.entity, job.numericAsFloat);
  const registered = findRegisteredEntity(className);
  if (registered === undefined) throw batchInvalid(`no registered entity class "${className}"`);
  return new ClassEntityMapper(sourceSchema, registered, job.entity.required);
}

export class EntityMapper implements RowMapper {
  readonly targetSchema: BatchSchema;
  readonly passesThrough: boolean;
  readonly ratesTables: readonly RatesTableReference[];
  private readonly plan: readonly ColumnPlan[];
  private readonly steps: readonly RowStep[];
  private readonly required: readonly string[];

  constructor(sourceSchema: BatchSchema, entity: EntityDefinition, numericAsFloat: readonly string[]) {
    const selected = entity.columns ?? sourceSchema.columns.map((column) => column.name);
    const byName = new Map(sourceSchema.columns.map((column) => [column.name, column]));
    const missing = selected.filter((name) => !byName.has(name));
    if (missing.length > 0) throw batchInvalid(`entity columns not in the source: ${missing.join(', ')}`);
    const unselected = Object.keys(entity.rename).filter((name) => !selected.includes(name));
    if (unselected.length > 0)
      throw batchInvalid(`rename names columns the entity does not select: ${unselected.join(', ')}`);
    const rename = (name: string): string => entity.rename[name] ?? name;
    const targetColumns: BatchColumn[] = [];
    this.plan = selected.map((name) => {
      const source = byName.get(name);
      if (source === undefined) throw batchInvalid(`entity column ${name} not in the source`);
      const toFloat = source.kind === 'decimal' && numericAsFloat.includes(name);
      targetColumns.push(
        toFloat
          ? { ...source, name: rename(name), kind: 'double', sqlType: 'float8', precision: null, scale: null }
          : { ...source, name: rename(name) },
      );
      return { sourceName: name, targetName: rename(name), toFloat };
    });
    const primaryKey = sourceSchema.primaryKey.map(rename);
    const selectedNames = new Set(targetColumns.map((column) => column.name));
    const lostKeys = primaryKey.filter((name) => !selectedNames.has(name));
    if (lostKeys.length > 0) throw batchInvalid(`entity drops primary key columns: ${lostKeys.join(', ')}`);
    const working = new WorkingColumns(targetColumns);
    this.steps = compileRules(entity.rules, working);
    this.ratesTables = ratesTablesOf(entity.rules);
    const columns = working.columns;
    const watermark = sourceSchema.watermark === null ? null : rename(sourceSchema.watermark);
    this.targetSchema = {
      job: sourceSchema.job,
      columns,
      primaryKey,
      watermark: watermark !== null && selectedNames.has(watermark) ? watermark : null,
    };
    this.required = requiredColumns(entity.required, primaryKey, columns);
    const notNull = new Set(sourceSchema.columns.filter((column) => !column.nullable).map((c) => c.name));
    this.passesThrough =
      this.steps.length === 0 &&
      selected.length === sourceSchema.columns.length &&
      this.plan.every(
        (column, index) =>
          !column.toFloat &&
          column.sourceName === column.targetName &&
          column.sourceName === sourceSchema.columns[index]?.name,
      ) &&
      this.targetSchema.watermark === sourceSchema.watermark &&
      this.required.every((name) => notNull.has(name));
  }

  map(sourceRow: BatchRow, inputs: BatchRuleInputs = noBatchRuleInputs): MappedRow {
    const row: BatchRow = {};
    for (const column of this.plan) {
      const value: ExactValue = sourceRow[column.sourceName] ?? null;
      row[column.targetName] = column.toFloat && typeof value === 'string' ? Number(value) : value;
    }
    for (const step of this.steps) {
      const reason = step(row, inputs);
      if (reason !== undefined) return { valid: false, reason };
    }
    return checkRequired(row, this.required);
  }
}

export class ClassEntityMapper implements RowMapper {
  readonly targetSchema: BatchSchema;
  readonly passesThrough = false;
  readonly ratesTables: readonly RatesTableReference[] = [];
  private readonly columnNames: readonly string[];
  private readonly required: readonly string[];

  constructor(
    sourceSchema: BatchSchema,
    private readonly entity: RegisteredEntityClass,
    required: readonly string[],
  ) {
    const sourceByName = new Map(sourceSchema.columns.map((column) => [column.name, column]));
    const missing = entity.declaration.sourceColumns.filter((name) => !sourceByName.has(name));
    if (missing.length > 0) {
      throw batchInvalid(
        `entity class ${entity.name} reads columns not in the source: ${missing.join(', ')}`,
      );
    }
    const columns = entity.declaration.columns.map((declaration) =>
      toBatchColumn(declaration, sourceByName, entity.name),
    );
    const names = new Set(columns.map((column) => column.name));
    const lostKeys = sourceSchema.primaryKey.filter((name) => !names.has(name));
    if (lostKeys.length > 0) {
      throw batchInvalid(`entity class ${entity.name} drops primary key columns: ${lostKeys.join(', ')}`);
    }
    this.columnNames = columns.map((column) => column.name);
    this.targetSchema = {
      job: sourceSchema.job,
      columns,
      primaryKey: sourceSchema.primaryKey,
      watermark:
        sourceSchema.watermark !== null && names.has(sourceSchema.watermark) ? sourceSchema.watermark : null,
    };
    this.required = requiredColumns(required, sourceSchema.primaryKey, columns);
  }

  map(sourceRow: BatchRow): MappedRow {
    let instance: EntityInstance;
    try {
      instance = new this.entity.construct(sourceRow);
    } catch (error) {
      if (error instanceof QuperSyncError && error.code === 'ROW_INVALID') {
        return { valid: false, reason: `${this.entity.name}: ${error.message}` };
      }
      // Anything else is a bug in the class, not a bad row: fail the batch, keep every row.
      throw batchInvalid(`entity class ${this.entity.name} failed unexpectedly: ${describeError(error)}`);
    }
    const output = instance.toRow();
    const row: BatchRow = {};
    for (const name of this.columnNames) row[name] = output[name] ?? null;
    return checkRequired(row, this.required);
  }
}

function toBatchColumn(
  declaration: EntityColumnDeclaration,
  sourceByName: ReadonlyMap<string, BatchColumn>,
  className: string,
): BatchColumn {
  if ('sameAs' in declaration) {
    const source = sourceByName.get(declaration.sameAs);
    if (source === undefined) {
      throw batchInvalid(
        `entity class ${className}: column ${declaration.name} is sameAs "${declaration.sameAs}", not in the source`,
      );
    }
    return { ...source, name: declaration.name, nullable: true };
  }
  return {
    name: declaration.name,
    kind: declaration.kind,
    sqlType: declaration.sqlType ?? defaultSqlTypes[declaration.kind],
    precision: declaration.precision ?? null,
    scale: declaration.scale ?? null,
    nullable: true,
  };
}

const defaultSqlTypes: Readonly<Record<BatchColumn['kind'], string>> = {
  smallint: 'int2',
  integer: 'int4',
  bigint: 'int8',
  decimal: 'numeric',
  real: 'float4',
  double: 'float8',
  boolean: 'bool',
  text: 'text',
  date: 'date',
  timestamp: 'timestamp',
  timestamptz: 'timestamptz',
  time: 'time',
  timetz: 'timetz',
  super: 'super',
  varbyte: 'varbyte',
};

function requiredColumns(
  required: readonly string[],
  primaryKey: readonly string[],
  columns: readonly BatchColumn[],
): string[] {
  const names = new Set(columns.map((column) => column.name));
  const unknown = required.filter((name) => !names.has(name));
  if (unknown.length > 0) {
    throw batchInvalid(
      `required names columns not in the entity: ${unknown.join(', ')} (columns: ${[...names].join(', ')})`,
    );
  }
  return [...new Set([...required, ...primaryKey])];
}

function checkRequired(row: BatchRow, required: readonly string[]): MappedRow {
  let missing: string[] | undefined;
  for (const name of required) {
    const value = row[name];
    if (value === null || value === undefined) (missing ??= []).push(name);
  }
  if (missing !== undefined)
    return { valid: false, reason: `required field(s) missing: ${missing.join(', ')}` };
  return { valid: true, row };
}
