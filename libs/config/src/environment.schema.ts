// Service settings from the environment, parsed once at boot. Every service asks for the
// slice it needs; an invalid or missing variable stops it with a message naming the variable.
import { z } from 'zod';
import { iamRoleArnSchema, s3UriSchema } from './aws-name.schema';

const brokerList = z
  .string()
  .min(1)
  .transform((value) =>
    value
      .split(',')
      .map((broker) => broker.trim())
      .filter((broker) => broker.length > 0),
  )
  .refine((brokers) => brokers.length > 0 && brokers.every((broker) => /^[^\s:]+:\d{1,5}$/.test(broker)), {
    message: 'expected a comma-separated list of host:port',
  });

const postgresUrl = z
  .string()
  .url()
  .refine((value) => /^postgres(ql)?:\/\//.test(value), { message: 'expected a postgres:// URL' });

const port = z.coerce.number().int().min(0).max(65535);
const logLevel = z.enum(['debug', 'info', 'warn', 'error']).default('info');
const optionalText = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()));

const kafkaSecurityFields = {
  KAFKA_SSL: z.enum(['true', 'false']).default('false'),
  /** PEM files: the CA that signed the brokers' certificates, and a client certificate and key (mutual TLS). */
  KAFKA_SSL_CA_FILE: optionalText,
  KAFKA_SSL_CERT_FILE: optionalText,
  KAFKA_SSL_KEY_FILE: optionalText,
  KAFKA_SASL_MECHANISM: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']).optional(),
  KAFKA_SASL_USERNAME: optionalText,
  KAFKA_SASL_PASSWORD: optionalText,
  /** SASL over a plaintext connection sends the credentials readable on the wire: only when said. */
  KAFKA_SASL_ALLOW_PLAINTEXT: z.enum(['true', 'false']).default('false'),
};

type KafkaSecurityEnvironment = z.infer<z.ZodObject<typeof kafkaSecurityFields>>;

function refineKafkaSecurity(environment: KafkaSecurityEnvironment, context: z.RefinementCtx): void {
  const tls = environment.KAFKA_SSL === 'true';
  if (
    environment.KAFKA_SASL_MECHANISM !== undefined &&
    !tls &&
    environment.KAFKA_SASL_ALLOW_PLAINTEXT !== 'true'
  )
    context.addIssue({
      code: z.ZodIssueCode.custom,
      path: ['KAFKA_SASL_MECHANISM'],
      message:
        'SASL without TLS sends the credentials in clear: set KAFKA_SSL=true (or KAFKA_SASL_ALLOW_PLAINTEXT=true to accept that)',
    });
  for (const name of ['KAFKA_SSL_CA_FILE', 'KAFKA_SSL_CERT_FILE', 'KAFKA_SSL_KEY_FILE'] as const)
    if (environment[name] !== undefined && !tls)
      context.addIssue({ code: z.ZodIssueCode.custom, path: [name], message: 'needs KAFKA_SSL=true' });
  if ((environment.KAFKA_SSL_CERT_FILE === undefined) !== (environment.KAFKA_SSL_KEY_FILE === undefined))
    context.addIssue({
      code: z.ZodIssueCode.custom,
      path: ['KAFKA_SSL_CERT_FILE'],
      message: 'a client certificate and its key go together (KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE)',
    });
}

/** How to reach Kafka safely; also what `qupersync trigger --via kafka` uses. */
export const kafkaSecurityEnvironmentSchema = z.object(kafkaSecurityFields).superRefine(refineKafkaSecurity);

export const kafkaEnvironmentSchema = z
  .object({
    KAFKA_BROKERS: brokerList,
    KAFKA_CLIENT_ID: optionalText,
    /**
     * The most bytes one data batch message may hold; a batch above it is split. The services
     * lower it to fit each batch topic's own max.message.bytes (the project creates them at
     * 8 MiB; a topic left at the broker's 1 MiB default gets about 900 KiB).
     */
    KAFKA_MAX_BATCH_BYTES: z.coerce
      .number()
      .int()
      .min(16 * 1024)
      .default(4 * 1024 * 1024),
    ...kafkaSecurityFields,
  })
  .superRefine(refineKafkaSecurity);

/** Where the HTTP server binds: loopback unless told otherwise (containers set 0.0.0.0). */
const httpHost = z.string().min(1).default('127.0.0.1');

export const serviceEnvironmentSchema = z.object({
  HTTP_PORT: port,
  HTTP_HOST: httpHost,
  LOG_LEVEL: logLevel,
  QUPERSYNC_JOBS_FILE: z.string().min(1),
  /** An OTLP/HTTP collector (`http://host:4318`): batch spans go to its /v1/traces; unset, none are sent. */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.string().url().optional(),
});

export const databaseEnvironmentSchema = z.object({
  DATABASE_URL: postgresUrl,
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
});

export const redshiftEnvironmentSchema = z.object({
  REDSHIFT_DATA_API_ENDPOINT: z.string().url().optional(),
  AWS_REGION: z.string().min(1).default('us-east-1'),
  REDSHIFT_WORKGROUP_NAME: optionalText,
  REDSHIFT_CLUSTER_IDENTIFIER: optionalText,
  REDSHIFT_DATABASE: z.string().min(1).default('dev'),
  REDSHIFT_SECRET_ARN: optionalText,
  REDSHIFT_DB_USER: optionalText,
  REDSHIFT_POLL_INTERVAL_MS: z.coerce.number().int().min(1).max(60_000).default(50),
  /**
   * DescribeStatement's WaitTimeSeconds: the service holds the call until the statement ends or
   * this passes, instead of being polled; 0 turns it off (polling only).
   */
  REDSHIFT_WAIT_TIME_SECONDS: z.coerce.number().int().min(0).max(30).default(20),
  /**
   * The Data API's result size limit (100 MB in older docs, 500 MB today): statements are sized
   * to stay well under it, and one that fails for size is halved.
   */
  REDSHIFT_MAX_RESULT_BYTES: z.coerce
    .number()
    .int()
    .min(64 * 1024)
    .default(100 * 1024 * 1024),
  /** The Data API's per-row limit (64 KB): a row above it fails the run, named by its key. */
  REDSHIFT_MAX_ROW_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(64 * 1024),
  /** How results come back: CSV (GetStatementResultV2, one string per page) or JSON (a Field per value). */
  REDSHIFT_RESULT_FORMAT: z
    .string()
    .transform((text) => text.toUpperCase())
    .pipe(z.enum(['CSV', 'JSON']))
    .default('CSV'),
  /** Where UNLOAD writes (a job's source.unload.s3_uri wins): s3://bucket/prefix/. */
  REDSHIFT_UNLOAD_S3_URI: s3UriSchema.optional(),
  /** The role Redshift assumes to write UNLOAD's files (a job's source.unload.iam_role wins). */
  REDSHIFT_UNLOAD_IAM_ROLE: iamRoleArnSchema.optional(),
  /**
   * The files UNLOAD writes (a job's source.unload.format wins). A run whose columns Parquet cannot
   * hold exactly (VARBYTE, SUPER) unloads CSV whatever is asked.
   */
  REDSHIFT_UNLOAD_FORMAT: z.enum(['csv', 'parquet']).default('csv'),
  /**
   * UNLOAD's MAXFILESIZE, in MB (Redshift: 5 to 6,200; its default is 6,200). A file is a unit of
   * work for the extractors, so smaller files spread a run over more of them: a cluster with four
   * slices writes four files of a 4 GB table by default, and about 64 at 64 MB.
   */
  REDSHIFT_UNLOAD_MAX_FILE_MB: z.coerce.number().int().min(5).max(6200).default(64),
  /** source.extract: auto unloads tables at least this large (SVV_TABLE_INFO.size, MB). */
  REDSHIFT_UNLOAD_THRESHOLD_MB: z.coerce.number().int().min(0).default(1024),
  /**
   * An attempt that has published every batch deletes its UNLOAD files at once; the files of an
   * attempt that failed or was abandoned (kept for a look) are swept once they are this old.
   */
  REDSHIFT_UNLOAD_RETENTION_SECONDS: z.coerce
    .number()
    .int()
    .min(3600)
    .default(7 * 24 * 3600),
  /** An S3-compatible server for UNLOAD's files (the local stack's); unset = AWS S3. */
  S3_ENDPOINT: z.string().url().optional(),
});

export const extractorEnvironmentSchema = z.object({
  /**
   * Extractions one extractor runs at once. Each takes its own request off the topic, so one
   * long extraction never holds another job's request (or another run's) behind it.
   */
  EXTRACTOR_CONCURRENT_EXTRACTIONS: z.coerce.number().int().min(1).max(64).default(4),
});

export const dataApiEnvironmentSchema = z.object({
  HTTP_PORT: port,
  HTTP_HOST: httpHost,
  LOG_LEVEL: logLevel,
  WAREHOUSE_DATABASE_URL: postgresUrl,
  /** The Data API's per-row limit: a result row above it fails the statement (64 KB). */
  DATA_API_MAX_ROW_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(64 * 1024),
  /** How long a finished result nobody reads is kept (the service keeps results 24 hours). */
  DATA_API_RESULT_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .default(24 * 60 * 60),
  /** The Data API's result limit (100 MB in older docs, 500 MB today). */
  DATA_API_MAX_RESULT_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(100 * 1024 * 1024),
  /** Where UNLOAD writes its files: an S3-compatible server (the local stack's); unset = AWS S3. */
  S3_ENDPOINT: z.string().url().optional(),
  AWS_REGION: z.string().min(1).default('us-east-1'),
  /** UNLOAD … PARALLEL ON writes one file series per slice; the local warehouse plays this many. */
  DATA_API_UNLOAD_SLICES: z.coerce.number().int().min(1).max(128).default(2),
  /** UNLOAD cuts its files at this size (or MAXFILESIZE when smaller). */
  DATA_API_UNLOAD_PART_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(32 * 1024 * 1024),
});

export const coordinatorEnvironmentSchema = z
  .object({
    COORDINATOR_API_TOKEN: optionalText,
    /** `none` turns the API's bearer token off; it must be said explicitly. */
    COORDINATOR_API_AUTH: z.enum(['token', 'none']).default('token'),
    RUN_STALL_TIMEOUT_MS: z.coerce
      .number()
      .int()
      .min(1000)
      .default(15 * 60 * 1000),
    /** Dead letters older than this leave qupersync_dead_letters (the topic keeps its own retention). */
    DEAD_LETTER_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  })
  .superRefine((environment, context) => {
    // Secure by default: an API that can start, cancel and reset syncs is not left open by omission.
    if (environment.COORDINATOR_API_AUTH === 'token' && environment.COORDINATOR_API_TOKEN === undefined)
      context.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['COORDINATOR_API_TOKEN'],
        message: 'is required (or set COORDINATOR_API_AUTH=none to run the API without a token)',
      });
    if (environment.COORDINATOR_API_TOKEN !== undefined && environment.COORDINATOR_API_TOKEN.length < 16)
      context.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['COORDINATOR_API_TOKEN'],
        message: 'must be at least 16 characters',
      });
  });
