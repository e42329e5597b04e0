// Where a currency rule's `rates_table` comes from: a table of the TARGET database, read with one
// query per table and kept for its `cache_seconds` (0: read for every batch), so a batch costs
// no query at all while the rates are fresh. Behind an injectable class so tests need no database.
import { Injectable } from '@nestjs/common';
import { quoteIdentifier, quoteQualifiedName } from '@qupersync/config';
import type { RatesTableReference } from '@qupersync/config';
import { describeError, QuperSyncError } from '@qupersync/contracts';
import { buildCurrencyRates, CurrencyRates, ratesTableKey } from '@qupersync/entity';
import { JsonLogger, SystemClock } from '@qupersync/observability';
import { isDatabaseUnavailable, PostgresDatabase } from '@qupersync/postgres';

export abstract class CurrencyRatesProvider {
  abstract ratesFrom(reference: RatesTableReference): Promise<CurrencyRates>;
}

@Injectable()
export class TargetTableRatesProvider extends CurrencyRatesProvider {
  private readonly logger = new JsonLogger(TargetTableRatesProvider.name);
  private readonly cache = new Map<string, { rates: CurrencyRates; expiresAtMs: number }>();

  constructor(
    private readonly database: PostgresDatabase,
    private readonly clock: SystemClock,
  ) {
    super();
  }

  async ratesFrom(reference: RatesTableReference): Promise<CurrencyRates> {
    const key = ratesTableKey(reference);
    const cached = this.cache.get(key);
    const now = this.clock.nowMs();
    if (cached !== undefined && cached.expiresAtMs > now) return cached.rates;
    const table = quoteQualifiedName(reference.table);
    const sql = `SELECT ${quoteIdentifier(reference.currency_column)}::text AS currency, ${quoteIdentifier(reference.rate_column)}::text AS rate FROM ${table}`;
    let rows: Array<{ currency: string | null; rate: string | null }>;
    try {
      rows = await this.database.query<{ currency: string | null; rate: string | null }>(sql);
    } catch (error) {
      // An outage is waited out; a missing table or column is a configuration error of the job.
      if (isDatabaseUnavailable(error)) {
        throw new QuperSyncError(
          'TARGET_UNAVAILABLE',
          'transient',
          `rates table ${table}: ${describeError(error)}`,
        );
      }
      throw new QuperSyncError('BATCH_INVALID', 'permanent', `rates table ${table}: ${describeError(error)}`);
    }
    const entries: Array<[string, string]> = [];
    for (const row of rows) {
      if (row.currency !== null) entries.push([row.currency, row.rate ?? 'NULL']);
    }
    const rates = buildCurrencyRates(`rates table ${table}`, entries);
    this.cache.set(key, { rates, expiresAtMs: now + reference.cache_seconds * 1000 });
    this.logger.info('currency rates read', { table, currencies: rates.rates.size });
    return rates;
  }
}

/** For a deployment whose jobs name no rates_table: the transformer then needs no DATABASE_URL. */
export class UnconfiguredRatesProvider extends CurrencyRatesProvider {
  ratesFrom(reference: RatesTableReference): Promise<CurrencyRates> {
    return Promise.reject(
      new QuperSyncError(
        'BATCH_INVALID',
        'permanent',
        `rates table ${quoteQualifiedName(reference.table)}: the transformer has no DATABASE_URL`,
      ),
    );
  }
}
