// Compiles a job's built-in rules against the batch schema once per schema: every column name is
// resolved, every kind checked and every default converted up front, so a rule naming an unknown
// column fails the batch with a clear reason and the per-row work is a few closure calls.
import { QuperSyncError } from '@qupersync/contracts';
import type { BatchColumn, BatchRow, ExactValue } from '@qupersync/contracts';
import type { CurrencyRule, EntityRule, RatesTableReference } from '@qupersync/config';
import { CurrencyConverter, CurrencyRates, buildCurrencyRates } from './currency.converter';
import { truncateDate, truncateTimestamp, ZonedTruncator } from './date-truncation.calculator';
import { parseDefaultValue } from './default-value.parser';

/** What a batch brings to its rules besides its rows: rates read from the target database. */
export interface BatchRuleInputs {
  readonly ratesTables: ReadonlyMap<string, CurrencyRates>;
}

export const noBatchRuleInputs: BatchRuleInputs = { ratesTables: new Map() };

/** Applies one rule to a row in place; returns the reason when the row is invalid. */
export type RowStep = (row: BatchRow, inputs: BatchRuleInputs) => string | undefined;

/** The precision of the decimal column a currency rule writes: numeric(38, scale). */
export const currencyPrecision = 38;

export function ratesTableKey(reference: RatesTableReference): string {
  return JSON.stringify([reference.table, reference.currency_column, reference.rate_column]);
}

/** The target columns as the rules see them: renamed columns, then columns rules add. */
export class WorkingColumns {
  private readonly byName = new Map<string, BatchColumn>();

  constructor(columns: readonly BatchColumn[]) {
    for (const column of columns) this.byName.set(column.name, column);
  }

  get columns(): BatchColumn[] {
    return [...this.byName.values()];
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  require(name: string, where: string): BatchColumn {
    const column = this.byName.get(name);
    if (column === undefined) {
      throw batchInvalid(
        `${where}: column "${name}" is not in the entity (columns: ${[...this.byName.keys()].join(', ')})`,
      );
    }
    return column;
  }

  /** Adds a new column, or replaces an existing one's type (a currency rule converting in place). */
  set(column: BatchColumn): void {
    this.byName.set(column.name, column);
  }
}

export function compileRules(rules: readonly EntityRule[], columns: WorkingColumns): RowStep[] {
  return rules.map((rule, index) => compileRule(rule, columns, `rule ${index + 1} (${rule.type})`));
}

/** Rates tables the rules read, deduplicated, so a batch reads each one once. */
export function ratesTablesOf(rules: readonly EntityRule[]): RatesTableReference[] {
  const byKey = new Map<string, RatesTableReference>();
  for (const rule of rules) {
    if (rule.type === 'currency' && rule.rates_table !== undefined) {
      byKey.set(ratesTableKey(rule.rates_table), rule.rates_table);
    }
  }
  return [...byKey.values()];
}

function compileRule(rule: EntityRule, columns: WorkingColumns, where: string): RowStep {
  switch (rule.type) {
    case 'trim':
    case 'case': {
      for (const name of rule.columns) requireKind(columns.require(name, where), ['text'], where);
      const names = rule.columns;
      const change =
        rule.type === 'trim'
          ? (text: string): string => text.trim()
          : rule.to === 'lower'
            ? (text: string): string => text.toLowerCase()
            : (text: string): string => text.toUpperCase();
      return (row) => {
        for (const name of names) {
          const value = row[name];
          if (typeof value === 'string') row[name] = change(value);
        }
        return undefined;
      };
    }
    case 'default': {
      const column = columns.require(rule.column, where);
      let value: ExactValue;
      try {
        value = parseDefaultValue(rule.value, column);
      } catch (error) {
        throw batchInvalid(`${where}: ${error instanceof Error ? error.message : String(error)}`);
      }
      const name = rule.column;
      return (row) => {
        if (row[name] === null || row[name] === undefined) row[name] = value;
        return undefined;
      };
    }
    case 'truncate_date': {
      const column = columns.require(rule.column, where);
      requireKind(column, ['date', 'timestamp', 'timestamptz'], where);
      const { unit, column: name } = rule;
      const zoned = column.kind === 'timestamptz' ? new ZonedTruncator(rule.time_zone) : null;
      const truncate =
        zoned !== null
          ? (value: string): string => zoned.truncate(value, unit)
          : column.kind === 'date'
            ? (value: string): string => truncateDate(value, unit)
            : (value: string): string => truncateTimestamp(value, unit);
      return (row) => {
        const value = row[name];
        if (typeof value !== 'string') return undefined;
        try {
          row[name] = truncate(value);
        } catch (error) {
          return `${where}: ${name}: ${error instanceof Error ? error.message : String(error)}`;
        }
        return undefined;
      };
    }
    case 'currency':
      return compileCurrency(rule, columns, where);
    case 'computed': {
      if (columns.has(rule.column)) {
        throw batchInvalid(
          `${where}: column "${rule.column}" already exists; a computed column needs a new name`,
        );
      }
      const inputs = rule.columns.map((name) => columns.require(name, where));
      const names = rule.columns;
      const target = rule.column;
      switch (rule.op) {
        case 'concat': {
          columns.set({
            name: target,
            kind: 'text',
            sqlType: 'text',
            precision: null,
            scale: null,
            nullable: true,
          });
          const separator = rule.separator ?? '';
          return (row) => {
            let text: string | null = null;
            for (const name of names) {
              const value = row[name];
              if (value === null || value === undefined) continue;
              text = text === null ? renderText(value) : `${text}${separator}${renderText(value)}`;
            }
            row[target] = text;
            return undefined;
          };
        }
        case 'coalesce': {
          const [first] = inputs;
          if (first === undefined) throw batchInvalid(`${where}: coalesce needs at least one column`);
          for (const input of inputs) {
            if (input.kind !== first.kind || input.scale !== first.scale) {
              throw batchInvalid(
                `${where}: coalesce needs columns of one type; ${input.name} is ${describeType(input)}, ${first.name} is ${describeType(first)}`,
              );
            }
          }
          columns.set({ ...first, name: target, nullable: true });
          return (row) => {
            let value: ExactValue = null;
            for (const name of names) {
              const candidate = row[name];
              if (candidate !== null && candidate !== undefined) {
                value = candidate;
                break;
              }
            }
            row[target] = value;
            return undefined;
          };
        }
      }
    }
  }
}

function compileCurrency(rule: CurrencyRule, columns: WorkingColumns, where: string): RowStep {
  const amountColumn = columns.require(rule.amount_column, where);
  // Floats are not money: converting one would launder its rounding into an exact decimal.
  requireKind(amountColumn, ['decimal', 'smallint', 'integer', 'bigint'], where);
  requireKind(columns.require(rule.currency_column, where), ['text'], where);
  const target = rule.target_column ?? rule.amount_column;
  if (target !== rule.amount_column && columns.has(target)) {
    throw batchInvalid(`${where}: target_column "${target}" already exists; name a new column`);
  }
  columns.set({
    name: target,
    kind: 'decimal',
    sqlType: 'numeric',
    precision: currencyPrecision,
    scale: rule.scale,
    nullable: true,
  });
  const converter = new CurrencyConverter({
    baseCurrency: rule.base_currency,
    minorUnits: rule.minor_units,
    scale: rule.scale,
    precision: currencyPrecision,
  });
  const configured =
    rule.rates === undefined ? null : buildCurrencyRates("the job's rates", Object.entries(rule.rates));
  const tableKey = rule.rates_table === undefined ? null : ratesTableKey(rule.rates_table);
  const amountName = rule.amount_column;
  const currencyName = rule.currency_column;
  return (row, inputs) => {
    const rates = configured ?? (tableKey === null ? undefined : inputs.ratesTables.get(tableKey));
    if (rates === undefined)
      throw new QuperSyncError('INTERNAL', 'permanent', `${where}: rates table not read`);
    const result = converter.convert(row[amountName] ?? null, row[currencyName] ?? null, rates);
    if ('reason' in result) return `${where}: ${amountName}: ${result.reason}`;
    row[target] = result.amount;
    return undefined;
  };
}

/** The text form of a value in a concatenation: the same canonical text the target would show. */
function renderText(value: Exclude<ExactValue, null>): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value);
  if (typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  return `\\x${value.toString('hex')}`;
}

function requireKind(column: BatchColumn, kinds: readonly BatchColumn['kind'][], where: string): void {
  if (!kinds.includes(column.kind)) {
    throw batchInvalid(
      `${where}: column "${column.name}" is ${describeType(column)}; expected ${kinds.join(' or ')}`,
    );
  }
}

function describeType(column: BatchColumn): string {
  return column.kind === 'decimal' && column.scale !== null
    ? `decimal(${column.precision ?? ''}, ${column.scale})`
    : column.kind;
}

export function batchInvalid(message: string): QuperSyncError {
  return new QuperSyncError('BATCH_INVALID', 'permanent', message);
}
