// The jobs file (QUPERSYNC_JOBS_FILE): snake_case keys as in DESIGN.md section 6, validated at
// start-up into camelCase JobDefinitions. Every error names the job and the field.
import { CronExpressionParser } from 'cron-parser';
import { z } from 'zod';
import { iamRoleArnSchema, s3UriSchema } from './aws-name.schema';
import { parseDurationMs } from './duration.parser';
import { parseIdentifier, parseQualifiedName, QualifiedName } from './sql-identifier';

const identifier = z.string().transform((text, context) => {
  const parsed = parseIdentifier(text);
  if (parsed === undefined) {
    context.addIssue({ code: z.ZodIssueCode.custom, message: `"${text}" is not a valid SQL identifier` });
    return z.NEVER;
  }
  return parsed;
});

const qualifiedName = z.string().transform((text, context): QualifiedName => {
  const parsed = parseQualifiedName(text);
  if (parsed === undefined) {
    context.addIssue({
      code: z.ZodIssueCode.custom,
      message: `"${text}" is not a valid [schema.]table name`,
    });
    return z.NEVER;
  }
  return parsed;
});

const duration = z.string().transform((text, context) => {
  const parsed = parseDurationMs(text);
  if (parsed === undefined) {
    context.addIssue({
      code: z.ZodIssueCode.custom,
      message: `"${text}" is not a duration like 0s, 15m, 2h`,
    });
    return z.NEVER;
  }
  return parsed;
});

const sourceSchema = z
  .object({
    table: qualifiedName.optional(),
    sql: z.string().min(1).max(100_000).optional(),
    workgroup_name: z.string().min(1).optional(),
    cluster_identifier: z.string().min(1).optional(),
    database: z.string().min(1).optional(),
    secret_arn: z.string().min(1).optional(),
    db_user: z.string().min(1).optional(),
    result_format: z.enum(['csv', 'json']).optional(),
    statement_timeout: duration.default('30m'),
    /**
     * Redshift folds delimited identifiers to lower case unless the cluster runs with
     * enable_case_sensitive_identifier; say true here when it does, and quoted names keep their case.
     */
    case_sensitive_identifiers: z.boolean().default(false),
    /**
     * Per column: read it as text (a type QuperSync has no exact mapping for, e.g. GEOMETRY as
     * EWKT, HLLSKETCH, INTERVAL) or leave it out.
     */
    columns: z.record(identifier, z.object({ as: z.enum(['text', 'exclude']) }).strict()).default({}),
    /**
     * How rows leave Redshift: through the Data API's result pages, or UNLOAD to S3 (files read
     * back by the extractor); auto picks UNLOAD for tables above REDSHIFT_UNLOAD_THRESHOLD_MB
     * when an S3 location and IAM role are configured.
     */
    extract: z.enum(['data_api', 'unload', 'auto']).default('auto'),
    /**
     * A BOOLEAN source column that says a row is deleted (a soft delete at the source): rows that
     * arrive with it true are deleted from the target (deletes: hard) or stamped (soft).
     */
    deleted_flag: identifier.optional(),
    unload: z
      .object({
        s3_uri: s3UriSchema.optional(),
        iam_role: iamRoleArnSchema.optional(),
        format: z.enum(['csv', 'parquet']).optional(),
      })
      .strict()
      .default({}),
  })
  .strict()
  .refine((source) => (source.table === undefined) !== (source.sql === undefined), {
    message: 'give exactly one of source.table or source.sql',
  });

const columnList = z.array(identifier).min(1);

/** An IANA time zone name the runtime's ICU knows; checked once here so rows never hit a bad zone. */
const timeZone = z.string().transform((text, context) => {
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: text }).resolvedOptions().timeZone;
  } catch {
    context.addIssue({ code: z.ZodIssueCode.custom, message: `"${text}" is not an IANA time zone name` });
    return z.NEVER;
  }
});

const currencyCode = z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code like USD');

/** Rates are strings so no digit goes through a float: "1.0842" is exactly 1.0842. */
const exactRate = z
  .string()
  .regex(/^\d+(\.\d+)?$/, 'must be a positive decimal number written as a string, e.g. "1.0842"')
  .refine((text) => /[1-9]/.test(text), { message: 'must be greater than zero' });

/**
 * A default is kept as text and converted to the column's kind when the batch schema is known.
 * A YAML number is only accepted while it is exact (a safe integer); decimals must be quoted.
 */
const defaultValue = z.union([z.string(), z.number(), z.boolean()]).transform((value, context) => {
  if (typeof value === 'number' && !Number.isSafeInteger(value)) {
    context.addIssue({
      code: z.ZodIssueCode.custom,
      message: 'write a decimal or a large number as a string (e.g. "0.10") so no digit is lost',
    });
    return z.NEVER;
  }
  return String(value);
});

const ratesTableSchema = z
  .object({
    table: qualifiedName,
    currency_column: identifier,
    rate_column: identifier,
    cache_seconds: z.number().int().min(0).max(86_400).default(60),
  })
  .strict();

const ruleSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('trim'), columns: columnList }).strict(),
  z.object({ type: z.literal('case'), columns: columnList, to: z.enum(['lower', 'upper']) }).strict(),
  z.object({ type: z.literal('default'), column: identifier, value: defaultValue }).strict(),
  z
    .object({
      type: z.literal('truncate_date'),
      column: identifier,
      unit: z.enum(['day', 'week', 'month']),
      time_zone: timeZone.default('UTC'),
    })
    .strict(),
  z
    .object({
      type: z.literal('currency'),
      amount_column: identifier,
      currency_column: identifier,
      base_currency: currencyCode,
      rates: z.record(currencyCode, exactRate).optional(),
      rates_table: ratesTableSchema.optional(),
      minor_units: z.boolean().default(false),
      target_column: identifier.optional(),
      scale: z.number().int().min(0).max(30).default(10),
    })
    .strict(),
  z
    .object({
      type: z.literal('computed'),
      column: identifier,
      op: z.enum(['concat', 'coalesce']),
      columns: columnList,
      separator: z.string().max(100).optional(),
    })
    .strict(),
]);

/** The columns an entity rule writes. */
function columnsWrittenBy(rule: z.infer<typeof ruleSchema>): string[] {
  switch (rule.type) {
    case 'trim':
    case 'case':
      return rule.columns;
    case 'default':
    case 'truncate_date':
    case 'computed':
      return [rule.column];
    case 'currency':
      return [rule.target_column ?? rule.amount_column];
  }
}

/** Checks a discriminated union cannot express (zod allows no refinements inside one). */
function refineRule(
  rule: z.infer<typeof ruleSchema>,
  path: (string | number)[],
  context: z.RefinementCtx,
): void {
  switch (rule.type) {
    case 'currency':
      if ((rule.rates === undefined) === (rule.rates_table === undefined)) {
        context.addIssue({
          code: z.ZodIssueCode.custom,
          path,
          message: 'give exactly one of rates or rates_table',
        });
      }
      return;
    case 'computed':
      if (rule.op !== 'concat' && rule.separator !== undefined) {
        context.addIssue({
          code: z.ZodIssueCode.custom,
          path: [...path, 'separator'],
          message: 'only concat takes a separator',
        });
      }
      return;
    case 'trim':
    case 'case':
    case 'default':
    case 'truncate_date':
      return;
  }
}

const entitySchema = z
  .object({
    class: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]{0,99}$/, 'must be the name of a registered entity class')
      .optional(),
    columns: z.array(identifier).min(1).optional(),
    rename: z.record(identifier, identifier).optional(),
    required: z.array(identifier).default([]),
    rules: z.array(ruleSchema).default([]),
    on_invalid: z.enum(['skip', 'fail']).default('skip'),
  })
  .strict()
  .superRefine((entity, context) => {
    entity.rules.forEach((rule, index) => refineRule(rule, ['rules', index], context));
    if (entity.class === undefined) return;
    // A class owns the whole mapping; mixing it with built-ins would make the order ambiguous.
    for (const key of ['columns', 'rename'] as const) {
      if (entity[key] !== undefined) {
        context.addIssue({
          code: z.ZodIssueCode.custom,
          path: [key],
          message: 'not allowed with entity.class (the class declares its columns)',
        });
      }
    }
    if (entity.rules.length > 0) {
      context.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['rules'],
        message: 'not allowed with entity.class (the class applies its own rules)',
      });
    }
  });

const jobSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9_-]{1,64}$/, 'must match [a-z0-9_-]{1,64}'),
    source: sourceSchema,
    target: z.object({ table: qualifiedName }).strict(),
    primary_key: z.array(identifier).min(1),
    mode: z.enum(['incremental', 'full']).default('full'),
    watermark: identifier.nullish().transform((value) => value ?? undefined),
    lookback: duration.default('0s'),
    settle: duration.default('0s'),
    batch_size: z.number().int().min(1).max(100_000).default(1000),
    commit_per_batch: z.boolean().default(true),
    max_retries: z.number().int().min(0).max(100).default(3),
    max_rejected_rows: z.number().int().min(0).default(0),
    deletes: z.enum(['none', 'hard', 'soft']).default('none'),
    /**
     * The largest share of the target's rows one pass of deletes may remove: above it the run
     * fails instead (an emptied view, a lost grant, keys that print differently), unless raised.
     */
    max_deleted_share: z.number().min(0).max(1).default(0.5),
    schedule: z
      .string()
      .min(1)
      .nullish()
      .transform((value) => value ?? undefined),
    /** A cron on which the coordinator verifies the job, recorded like a run (mode verify). */
    verify_schedule: z
      .string()
      .min(1)
      .nullish()
      .transform((value) => value ?? undefined),
    /**
     * A cron on which the coordinator deletes (or stamps) target keys the source lost, by a
     * key-only comparison, recorded like a run (mode reconcile); needs deletes: hard or soft.
     */
    reconcile_schedule: z
      .string()
      .min(1)
      .nullish()
      .transform((value) => value ?? undefined),
    numeric_as_float: z.array(identifier).default([]),
    create_target: z.boolean().default(true),
    schema_evolution: z.enum(['add_columns', 'widen', 'fail']).default('add_columns'),
    entity: entitySchema.default({}),
  })
  .strict()
  .superRefine((job, context) => {
    // Keys and the watermark are ordered and compared in their own type: never text, never absent.
    for (const name of [...job.primary_key, ...(job.watermark === undefined ? [] : [job.watermark])]) {
      if (Object.keys(job.source.columns).some((column) => column.toLowerCase() === name.toLowerCase()))
        context.addIssue({
          code: z.ZodIssueCode.custom,
          path: ['source', 'columns', name],
          message: 'a primary key or watermark column cannot be read as text or excluded',
        });
    }
    if (job.mode === 'incremental' && job.watermark === undefined) {
      context.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['watermark'],
        message: 'required for incremental mode',
      });
    }
    for (const field of ['schedule', 'verify_schedule', 'reconcile_schedule'] as const) {
      const cron = job[field];
      if (cron === undefined) continue;
      try {
        CronExpressionParser.parse(cron, { tz: 'UTC' });
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        context.addIssue({
          code: z.ZodIssueCode.custom,
          path: [field],
          message: `not a cron expression: ${reason}`,
        });
      }
    }
    if (job.verify_schedule !== undefined && (job.entity.class !== undefined || job.entity.rules.length > 0))
      context.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['verify_schedule'],
        message:
          'verify compares jobs whose target rows are the source rows: not with entity rules or an entity class',
      });
    if (job.deletes !== 'none' && job.numeric_as_float.some((column) => job.primary_key.includes(column)))
      context.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['deletes'],
        message: 'a primary key column in numeric_as_float has no exact key to compare: deletes cannot work',
      });
    if (job.reconcile_schedule !== undefined && job.deletes === 'none')
      context.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['reconcile_schedule'],
        message: 'needs deletes: hard or soft (what to do with the keys the source lost)',
      });
    const flag = job.source.deleted_flag;
    if (flag !== undefined) {
      const problem =
        job.deletes === 'none'
          ? 'needs deletes: hard or soft (what to do with a flagged row)'
          : job.primary_key.includes(flag)
            ? 'cannot be a primary key column'
            : Object.keys(job.source.columns).some((column) => column.toLowerCase() === flag.toLowerCase())
              ? 'cannot be read as text or excluded'
              : job.entity.columns !== undefined && !job.entity.columns.includes(flag)
                ? 'must be among entity.columns'
                : undefined;
      if (problem !== undefined)
        context.addIssue({ code: z.ZodIssueCode.custom, path: ['source', 'deleted_flag'], message: problem });
    }
    if (job.deletes !== 'none') {
      // Deletes find target keys the source lacks by comparing keys: a key must arrive as it left.
      if (job.entity.class !== undefined)
        context.addIssue({
          code: z.ZodIssueCode.custom,
          path: ['deletes'],
          message: `deletes: ${job.deletes} needs target keys equal to source keys, which an entity.class may change; use deletes: none`,
        });
      for (const rule of job.entity.rules) {
        const written = columnsWrittenBy(rule).filter((column) => job.primary_key.includes(column));
        if (written.length > 0)
          context.addIssue({
            code: z.ZodIssueCode.custom,
            path: ['deletes'],
            message: `deletes: ${job.deletes} needs target keys equal to source keys, but a ${rule.type} rule writes key column ${written.join(', ')}`,
          });
      }
    }
    const columns = new Set(job.primary_key);
    if (columns.size !== job.primary_key.length) {
      context.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['primary_key'],
        message: 'lists a column twice',
      });
    }
  });

export const jobsFileSchema = z
  .object({ jobs: z.array(jobSchema).min(1) })
  .strict()
  .superRefine((file, context) => {
    const seen = new Set<string>();
    file.jobs.forEach((job, index) => {
      if (seen.has(job.name)) {
        context.addIssue({
          code: z.ZodIssueCode.custom,
          path: ['jobs', index, 'name'],
          message: `duplicate job name "${job.name}"`,
        });
      }
      seen.add(job.name);
    });
  });

export type EntityRule = z.infer<typeof ruleSchema>;
export type EntityRuleType = EntityRule['type'];
export type CurrencyRule = Extract<EntityRule, { type: 'currency' }>;
export type RatesTableReference = z.infer<typeof ratesTableSchema>;

export type JobDeletes = 'none' | 'hard' | 'soft';

/** The target column a soft delete stamps; a row the source has again gets NULL back. */
export const softDeletedColumn = '_qupersync_deleted_at';

export interface JobSource {
  readonly table: QualifiedName | undefined;
  readonly sql: string | undefined;
  readonly workgroupName: string | undefined;
  readonly clusterIdentifier: string | undefined;
  readonly database: string | undefined;
  readonly secretArn: string | undefined;
  readonly dbUser: string | undefined;
  /** Overrides REDSHIFT_RESULT_FORMAT for this job's extraction statements. */
  readonly resultFormat: 'CSV' | 'JSON' | undefined;
  /** A Data API statement still running after this long is cancelled and fails the extraction. */
  readonly statementTimeoutMs: number;
  /** source.columns: columns read as text or left out, by (folded) source name. */
  readonly columns: Readonly<Record<string, 'text' | 'exclude'>>;
  /** source.deleted_flag: a BOOLEAN column, true for a row deleted at the source (folded name). */
  readonly deletedFlag: string | undefined;
  /** source.extract: the Data API's result pages, UNLOAD to S3, or auto (by table size). */
  readonly extract: 'data_api' | 'unload' | 'auto';
  /** source.unload: overrides of REDSHIFT_UNLOAD_S3_URI / _IAM_ROLE / _FORMAT for this job. */
  readonly unload: {
    readonly s3Uri: string | undefined;
    readonly iamRole: string | undefined;
    readonly format: 'csv' | 'parquet' | undefined;
  };
}

export interface EntityDefinition {
  /** A TypeScript entity class registered in the transformer, instead of columns/rename/rules. */
  readonly className?: string | undefined;
  readonly columns: readonly string[] | undefined;
  readonly rename: Readonly<Record<string, string>>;
  readonly required: readonly string[];
  readonly rules: readonly EntityRule[];
  readonly onInvalid: 'skip' | 'fail';
}

export interface JobDefinition {
  readonly name: string;
  readonly source: JobSource;
  readonly targetTable: QualifiedName;
  readonly primaryKey: readonly string[];
  readonly mode: 'incremental' | 'full';
  readonly watermark: string | undefined;
  readonly lookbackMs: number;
  /**
   * Rows whose watermark is within this long of the warehouse's clock wait for the next run: the
   * upper bound is min(MAX(watermark), GETDATE() - settle), so transactions still open at the
   * source (their rows commit with older watermark values) are read next time, not skipped.
   */
  readonly settleMs: number;
  readonly batchSize: number;
  readonly commitPerBatch: boolean;
  readonly maxRetries: number;
  /**
   * Rows the target database may refuse (dead-lettered) before a batch, and the run, fail. The
   * default 0 fails the run on the first refused row: a run never succeeds over a silent gap.
   */
  readonly maxRejectedRows: number;
  /**
   * What happens to target rows whose key the source no longer has: `none` keeps them; `hard`
   * deletes them and `soft` stamps `_qupersync_deleted_at`, after every fully successful full run,
   * in `verify --repair`, and for rows that arrive with source.deleted_flag true.
   */
  readonly deletes: JobDeletes;
  /** max_deleted_share: above this share of the target's rows, deletes fail the run instead. */
  readonly maxDeletedShare: number;
  readonly schedule: string | undefined;
  /** verify_schedule: cron of the recorded verifications (runs of mode verify). */
  readonly verifySchedule: string | undefined;
  /** reconcile_schedule: cron of the key-only deletes (runs of mode reconcile). */
  readonly reconcileSchedule: string | undefined;
  readonly numericAsFloat: readonly string[];
  /** Create the target table from the batch schema when it does not exist. */
  readonly createTarget: boolean;
  /**
   * How an existing target may change: add_columns adds new source columns; widen also ALTERs a
   * column too narrow for the source's values; fail changes nothing and fails on any difference.
   */
  readonly schemaEvolution: 'add_columns' | 'widen' | 'fail';
  readonly entity: EntityDefinition;
}

const resultFormats = { csv: 'CSV', json: 'JSON' } as const;

export function toJobDefinitions(file: z.infer<typeof jobsFileSchema>): JobDefinition[] {
  return file.jobs.map((job) => toJobDefinition(job));
}

/**
 * Names of the source's tables and columns are matched by Redshift's rules: folded to lower case,
 * quoted or not (Redshift folds "OrderId" to orderid and reports the column as orderid), unless
 * the job says the cluster is case sensitive. The batch schema, and so the target's columns,
 * carry the names Redshift reports, so the key and watermark fold the same way everywhere.
 */
function toJobDefinition(job: z.infer<typeof jobSchema>): JobDefinition {
  const fold = (name: string): string => (job.source.case_sensitive_identifiers ? name : name.toLowerCase());
  const table = job.source.table;
  return {
    name: job.name,
    source: {
      table:
        table === undefined
          ? undefined
          : { schema: table.schema === undefined ? undefined : fold(table.schema), name: fold(table.name) },
      sql: job.source.sql,
      workgroupName: job.source.workgroup_name,
      clusterIdentifier: job.source.cluster_identifier,
      database: job.source.database,
      secretArn: job.source.secret_arn,
      dbUser: job.source.db_user,
      resultFormat:
        job.source.result_format === undefined ? undefined : resultFormats[job.source.result_format],
      statementTimeoutMs: job.source.statement_timeout,
      columns: Object.fromEntries(
        Object.entries(job.source.columns).map(([name, handling]) => [fold(name), handling.as]),
      ),
      deletedFlag: job.source.deleted_flag === undefined ? undefined : fold(job.source.deleted_flag),
      extract: job.source.extract,
      unload: {
        s3Uri: job.source.unload.s3_uri,
        iamRole: job.source.unload.iam_role,
        format: job.source.unload.format,
      },
    },
    targetTable: job.target.table,
    primaryKey: job.primary_key.map(fold),
    mode: job.mode,
    watermark: job.watermark === undefined ? undefined : fold(job.watermark),
    lookbackMs: job.lookback,
    settleMs: job.settle,
    batchSize: job.batch_size,
    commitPerBatch: job.commit_per_batch,
    maxRetries: job.max_retries,
    maxRejectedRows: job.max_rejected_rows,
    deletes: job.deletes,
    maxDeletedShare: job.max_deleted_share,
    schedule: job.schedule,
    verifySchedule: job.verify_schedule,
    reconcileSchedule: job.reconcile_schedule,
    numericAsFloat: job.numeric_as_float.map(fold),
    createTarget: job.create_target,
    schemaEvolution: job.schema_evolution,
    entity: {
      className: job.entity.class,
      columns: job.entity.columns?.map(fold),
      rename: Object.fromEntries(
        Object.entries(job.entity.rename ?? {}).map(([from, to]) => [fold(from), to]),
      ),
      required: job.entity.required.map(fold),
      rules: job.entity.rules,
      onInvalid: job.entity.on_invalid,
    },
  };
}
