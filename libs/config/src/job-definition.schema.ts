// The jobs file (QUPERSYNC_JOBS_FILE): snake_case keys as in DESIGN.md section 6, validated at
// start-up into camelCase JobDefinitions. Every error names the job and the field.
import { CronExpressionParser } from 'cron-parser';
import { z } from 'zod';
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
  })
  .strict()
  .refine((source) => (source.table === undefined) !== (source.sql === undefined), {
    message: 'give exactly one of source.table or source.sql',
  });

const ruleSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('trim'), columns: z.array(identifier).min(1) }).strict(),
  z.object({ type: z.literal('default'), column: identifier, value: z.string() }).strict(),
]);

const entitySchema = z
  .object({
    columns: z.array(identifier).min(1).optional(),
    rename: z.record(identifier, identifier).optional(),
    required: z.array(identifier).default([]),
    rules: z.array(ruleSchema).default([]),
    on_invalid: z.enum(['skip', 'fail']).default('skip'),
  })
  .strict();

const jobSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9_-]{1,64}$/, 'must match [a-z0-9_-]{1,64}'),
    source: sourceSchema,
    target: z.object({ table: qualifiedName }).strict(),
    primary_key: z.array(identifier).min(1),
    mode: z.enum(['incremental', 'full']).default('full'),
    watermark: identifier.nullish().transform((value) => value ?? undefined),
    lookback: duration.default('0s'),
    batch_size: z.number().int().min(1).max(100_000).default(1000),
    commit_per_batch: z.boolean().default(true),
    max_retries: z.number().int().min(0).max(100).default(3),
    schedule: z
      .string()
      .min(1)
      .nullish()
      .transform((value) => value ?? undefined),
    numeric_as_float: z.array(identifier).default([]),
    create_target: z.boolean().default(true),
    schema_evolution: z.enum(['add_columns', 'fail']).default('add_columns'),
    entity: entitySchema.default({}),
  })
  .strict()
  .superRefine((job, context) => {
    if (job.mode === 'incremental' && job.watermark === undefined) {
      context.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['watermark'],
        message: 'required for incremental mode',
      });
    }
    if (job.schedule !== undefined) {
      try {
        CronExpressionParser.parse(job.schedule, { tz: 'UTC' });
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        context.addIssue({
          code: z.ZodIssueCode.custom,
          path: ['schedule'],
          message: `not a cron expression: ${reason}`,
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

export interface JobSource {
  readonly table: QualifiedName | undefined;
  readonly sql: string | undefined;
  readonly workgroupName: string | undefined;
  readonly clusterIdentifier: string | undefined;
  readonly database: string | undefined;
  readonly secretArn: string | undefined;
  readonly dbUser: string | undefined;
}

export interface EntityDefinition {
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
  readonly batchSize: number;
  readonly commitPerBatch: boolean;
  readonly maxRetries: number;
  readonly schedule: string | undefined;
  readonly numericAsFloat: readonly string[];
  /** Create the target table from the batch schema when it does not exist. */
  readonly createTarget: boolean;
  /** What a source column missing from an existing target table does. */
  readonly schemaEvolution: 'add_columns' | 'fail';
  readonly entity: EntityDefinition;
}

export function toJobDefinitions(file: z.infer<typeof jobsFileSchema>): JobDefinition[] {
  return file.jobs.map((job) => ({
    name: job.name,
    source: {
      table: job.source.table,
      sql: job.source.sql,
      workgroupName: job.source.workgroup_name,
      clusterIdentifier: job.source.cluster_identifier,
      database: job.source.database,
      secretArn: job.source.secret_arn,
      dbUser: job.source.db_user,
    },
    targetTable: job.target.table,
    primaryKey: job.primary_key,
    mode: job.mode,
    watermark: job.watermark,
    lookbackMs: job.lookback,
    batchSize: job.batch_size,
    commitPerBatch: job.commit_per_batch,
    maxRetries: job.max_retries,
    schedule: job.schedule,
    numericAsFloat: job.numeric_as_float,
    createTarget: job.create_target,
    schemaEvolution: job.schema_evolution,
    entity: {
      columns: job.entity.columns,
      rename: job.entity.rename ?? {},
      required: job.entity.required,
      rules: job.entity.rules,
      onInvalid: job.entity.on_invalid,
    },
  }));
}
