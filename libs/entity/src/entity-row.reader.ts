// Typed access to a source row for entity classes: each getter narrows an exact value to the
// type its column kind promises, and a NULL where a value is required is a validation error.
import type { BatchRow, ExactValue } from '@qupersync/contracts';
import { EntityValidationError } from './registered-entity.registry';

export class EntityRowReader {
  constructor(private readonly row: Readonly<BatchRow>) {}

  value(name: string): ExactValue {
    return this.row[name] ?? null;
  }

  text(name: string): string | null {
    return this.narrow(name, 'text', (value): value is string => typeof value === 'string');
  }

  integer(name: string): number | null {
    return this.narrow(name, 'an integer', (value): value is number => Number.isInteger(value));
  }

  bigint(name: string): bigint | null {
    return this.narrow(name, 'a bigint', (value): value is bigint => typeof value === 'bigint');
  }

  /** A DECIMAL, DATE, TIMESTAMP or TIME value: its exact canonical text. */
  exactText(name: string): string | null {
    return this.text(name);
  }

  requiredText(name: string): string {
    return present(name, this.text(name));
  }

  requiredInteger(name: string): number {
    return present(name, this.integer(name));
  }

  requiredBigint(name: string): bigint {
    return present(name, this.bigint(name));
  }

  private narrow<Value extends ExactValue>(
    name: string,
    expected: string,
    guard: (value: ExactValue) => value is Value,
  ): Value | null {
    const value = this.row[name] ?? null;
    if (value === null) return null;
    if (!guard(value)) throw new EntityValidationError(`${name} is not ${expected}`);
    return value;
  }
}

function present<Value>(name: string, value: Value | null): Value {
  if (value === null) throw new EntityValidationError(`${name} is required`);
  return value;
}
