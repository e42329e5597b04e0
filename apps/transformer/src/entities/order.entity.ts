// An example entity class (the seed's pattern for business-specific logic): an order row is
// valid only with a customer and a non-negative amount; its status is normalised and the amount
// is also kept rounded to cents (half-even, exactly). Used by jobs with `entity.class: OrderEntity`.
import type { BatchRow } from '@qupersync/contracts';
import {
  EntityInstance,
  EntityRowReader,
  EntityValidationError,
  Money,
  RegisteredEntity,
} from '@qupersync/entity';

@RegisteredEntity('OrderEntity', {
  sourceColumns: ['id', 'customer_id', 'amount', 'status', 'updated_at'],
  columns: [
    { name: 'id', sameAs: 'id' },
    { name: 'customer_id', sameAs: 'customer_id' },
    { name: 'amount', sameAs: 'amount' },
    { name: 'amount_cents', kind: 'decimal', precision: 38, scale: 2 },
    { name: 'status', kind: 'text', sqlType: 'varchar', precision: 20 },
    { name: 'updated_at', sameAs: 'updated_at' },
  ],
})
export class OrderEntity implements EntityInstance {
  readonly id: bigint;
  readonly customerId: number;
  readonly amount: string | null;
  readonly amountCents: string | null;
  readonly status: string;
  readonly updatedAt: string | null;

  constructor(source: Readonly<BatchRow>) {
    const row = new EntityRowReader(source);
    this.id = row.requiredBigint('id');
    this.customerId = row.requiredInteger('customer_id');
    this.amount = row.exactText('amount');
    if (this.amount !== null && this.amount.startsWith('-')) {
      throw new EntityValidationError(`amount ${this.amount} is negative`);
    }
    this.amountCents = this.amount === null ? null : new Money(this.amount).toFixed(2, Money.ROUND_HALF_EVEN);
    // Blank and missing statuses mean the same thing to the business: not yet known.
    const status = row.text('status')?.trim().toLowerCase() ?? '';
    this.status = status === '' ? 'unknown' : status;
    this.updatedAt = row.exactText('updated_at');
  }

  toRow(): BatchRow {
    return {
      id: this.id,
      customer_id: this.customerId,
      amount: this.amount,
      amount_cents: this.amountCents,
      status: this.status,
      updated_at: this.updatedAt,
    };
  }
}
