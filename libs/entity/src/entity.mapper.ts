// Maps a source row to the job's entity: column selection and renames, numeric-as-float where a
// job asks for it, built-in rules (trim, default) and required fields. The output schema is the
// target schema the loader writes with; invalid rows come back with the reason, never dropped.
import type { BatchColumn, BatchRow, BatchSchema, ExactValue } from '@qupersync/contracts';
import type { EntityDefinition, EntityRule } from '@qupersync/config';

export type MappedRow =
  { readonly valid: true; readonly row: BatchRow } | { readonly valid: false; readonly reason: string };

interface ColumnPlan {
  readonly source: BatchColumn;
  readonly target: BatchColumn;
  readonly toFloat: boolean;
}

export class EntityMapper {
  readonly targetSchema: BatchSchema;
  private readonly plan: readonly ColumnPlan[];
  private readonly required: readonly string[];
  private readonly rules: readonly EntityRule[];

  constructor(sourceSchema: BatchSchema, entity: EntityDefinition, numericAsFloat: readonly string[]) {
    const selected = entity.columns ?? sourceSchema.columns.map((column) => column.name);
    const byName = new Map(sourceSchema.columns.map((column) => [column.name, column]));
    const missing = selected.filter((name) => !byName.has(name));
    if (missing.length > 0) throw new Error(`entity columns not in the source: ${missing.join(', ')}`);
    const rename = (name: string): string => entity.rename[name] ?? name;
    this.plan = selected.map((name) => {
      const source = byName.get(name);
      if (source === undefined) throw new Error(`entity column ${name} not in the source`);
      const toFloat = source.kind === 'decimal' && numericAsFloat.includes(name);
      const target: BatchColumn = toFloat
        ? { ...source, name: rename(name), kind: 'double', sqlType: 'float8', precision: null, scale: null }
        : { ...source, name: rename(name) };
      return { source, target, toFloat };
    });
    const targetNames = new Set(this.plan.map((column) => column.target.name));
    const mapName = (name: string): string => rename(name);
    const primaryKey = sourceSchema.primaryKey.map(mapName);
    const lostKeys = primaryKey.filter((name) => !targetNames.has(name));
    if (lostKeys.length > 0) throw new Error(`entity drops primary key columns: ${lostKeys.join(', ')}`);
    const watermark = sourceSchema.watermark === null ? null : mapName(sourceSchema.watermark);
    this.targetSchema = {
      job: sourceSchema.job,
      columns: this.plan.map((column) => column.target),
      primaryKey,
      watermark: watermark !== null && targetNames.has(watermark) ? watermark : null,
    };
    this.required = [...new Set([...entity.required, ...primaryKey])];
    this.rules = entity.rules;
  }

  map(sourceRow: BatchRow): MappedRow {
    const row: BatchRow = {};
    for (const column of this.plan) {
      const value: ExactValue = sourceRow[column.source.name] ?? null;
      row[column.target.name] = column.toFloat && typeof value === 'string' ? Number(value) : value;
    }
    for (const rule of this.rules) applyRule(rule, row);
    const missing = this.required.filter((name) => row[name] === null || row[name] === undefined);
    if (missing.length > 0)
      return { valid: false, reason: `required field(s) missing: ${missing.join(', ')}` };
    return { valid: true, row };
  }
}

function applyRule(rule: EntityRule, row: BatchRow): void {
  switch (rule.type) {
    case 'trim':
      for (const name of rule.columns) {
        const value = row[name];
        if (typeof value === 'string') row[name] = value.trim();
      }
      return;
    case 'default':
      if (row[rule.column] === null || row[rule.column] === undefined) row[rule.column] = rule.value;
      return;
  }
}
