// Maps one raw batch to the job's entity. Valid rows go on as a transformed batch carrying the
// target schema; invalid rows go to the dead-letter topic with the reason and the raw row. With
// on_invalid: fail, a batch with an invalid row fails as a whole instead. A rule that does not fit
// the batch's schema (an unknown column, say) throws a permanent BATCH_INVALID error.
import { Injectable } from '@nestjs/common';
import { JobCatalog, JobDefinition } from '@qupersync/config';
import {
  BatchContainerCodec,
  BatchIdentity,
  BatchRow,
  BatchSchema,
  encodeDeadLetter,
  describeError,
  ExactValue,
  QuperSyncError,
  unknownJobVersion,
} from '@qupersync/contracts';
import {
  BatchRuleInputs,
  createRowMapper,
  noBatchRuleInputs,
  ratesTableKey,
  RowMapper,
} from '@qupersync/entity';
import type { CurrencyRates } from '@qupersync/entity';
import { CurrencyRatesProvider } from './currency-rates.provider';

export interface InvalidRow {
  readonly row: BatchRow;
  readonly reason: string;
}

export interface TransformOutcome {
  readonly container: Buffer | null;
  readonly validRows: number;
  readonly invalid: readonly InvalidRow[];
  readonly failed: string | null;
}

@Injectable()
export class BatchTransformer {
  private readonly compiled = new Map<string, { mapper: RowMapper; codec: BatchContainerCodec }>();

  constructor(
    private readonly jobs: JobCatalog,
    private readonly ratesProvider: CurrencyRatesProvider,
  ) {}

  /**
   * Whether the job's entity leaves every row of this schema as it is, so the raw batch can go on
   * as the transformed one. Compiling the mapper still checks the schema against the entity.
   */
  passesThrough(identity: BatchIdentity, sourceSchema: BatchSchema): boolean {
    return this.compile(this.jobOf(identity), sourceSchema).mapper.passesThrough;
  }

  async transform(
    identity: BatchIdentity,
    sourceSchema: BatchSchema,
    rows: readonly BatchRow[],
  ): Promise<TransformOutcome> {
    const job = this.jobOf(identity);
    const { mapper, codec } = this.compile(job, sourceSchema);
    const inputs = await this.readInputs(mapper);
    const valid: BatchRow[] = [];
    const invalid: InvalidRow[] = [];
    for (const row of rows) {
      const mapped = mapper.map(row, inputs);
      if (mapped.valid) valid.push(mapped.row);
      else invalid.push({ row, reason: mapped.reason });
    }
    if (invalid.length > 0 && job.entity.onInvalid === 'fail') {
      return {
        container: null,
        validRows: 0,
        invalid,
        failed: `${invalid.length} invalid row(s); first: ${invalid[0]?.reason ?? ''}`,
      };
    }
    return { ...this.encodeIsolatingBadRows(codec, valid, invalid), failed: null };
  }

  /** A value the target schema cannot hold (a decimal with too many places, say) fails only its row. */
  private encodeIsolatingBadRows(
    codec: BatchContainerCodec,
    valid: BatchRow[],
    invalid: InvalidRow[],
  ): Omit<TransformOutcome, 'failed'> {
    try {
      return { container: codec.encode(valid), validRows: valid.length, invalid };
    } catch {
      const encodable: BatchRow[] = [];
      for (const row of valid) {
        try {
          codec.encode([row]);
          encodable.push(row);
        } catch (error) {
          invalid.push({ row, reason: describeError(error) });
        }
      }
      return { container: codec.encode(encodable), validRows: encodable.length, invalid };
    }
  }

  /** Reads each rates table the rules need (the provider caches them) once for the whole batch. */
  private async readInputs(mapper: RowMapper): Promise<BatchRuleInputs> {
    if (mapper.ratesTables.length === 0) return noBatchRuleInputs;
    const ratesTables = new Map<string, CurrencyRates>();
    for (const reference of mapper.ratesTables) {
      ratesTables.set(ratesTableKey(reference), await this.ratesProvider.ratesFrom(reference));
    }
    return { ratesTables };
  }

  private jobOf(identity: BatchIdentity): JobDefinition {
    // The definition the run was started under, even if this process reloaded since.
    const job = this.jobs.resolve(identity.job, identity.jobVersion);
    if (job === undefined)
      throw unknownJobVersion(
        identity.job,
        identity.jobVersion,
        this.jobs.missingForMs(identity.job, identity.jobVersion),
      );
    return job;
  }

  private compile(
    job: JobDefinition,
    sourceSchema: BatchSchema,
  ): { mapper: RowMapper; codec: BatchContainerCodec } {
    const key = `${job.name}@${this.jobs.versionOf(job)}:${JSON.stringify(sourceSchema)}`;
    let compiled = this.compiled.get(key);
    if (compiled === undefined) {
      let mapper: RowMapper;
      try {
        mapper = createRowMapper(sourceSchema, job);
      } catch (error) {
        throw new QuperSyncError('BATCH_INVALID', 'permanent', `job ${job.name}: ${describeError(error)}`);
      }
      compiled = { mapper, codec: new BatchContainerCodec(mapper.targetSchema) };
      if (this.compiled.size > 100) this.compiled.clear();
      this.compiled.set(key, compiled);
    }
    return compiled;
  }
}

/** JSON with exact values: bigints and buffers as strings, so a dead letter shows the row as it was. */
export function rowToJson(row: BatchRow): string {
  return JSON.stringify(row, (_key, value: ExactValue | { type: 'Buffer'; data: number[] }) => {
    if (typeof value === 'bigint') return value.toString();
    if (
      value !== null &&
      typeof value === 'object' &&
      !Buffer.isBuffer(value) &&
      'type' in value &&
      value.type === 'Buffer'
    ) {
      return `\\x${Buffer.from(value.data).toString('hex')}`;
    }
    return value;
  });
}

export function encodeDeadLetterRow(
  identity: BatchIdentity,
  schema: BatchSchema,
  invalid: InvalidRow,
  source: { topic: string; partition: number; offset: string },
): Buffer {
  const key: Record<string, ExactValue> = {};
  for (const name of schema.primaryKey) key[name] = invalid.row[name] ?? null;
  return encodeDeadLetter({
    job: identity.job,
    runId: identity.runId,
    sequence: identity.sequence,
    stage: 'transformer',
    errorCode: 'ROW_INVALID',
    reason: invalid.reason,
    rowKey: rowToJson(key),
    row: rowToJson(invalid.row),
    sourceTopic: source.topic,
    sourcePartition: source.partition,
    sourceOffset: source.offset,
    payload: null,
    occurredAtMs: Date.now(),
  });
}
