// Service settings from the environment, parsed once at boot. Every service asks for the
// slice it needs; an invalid or missing variable stops it with a message naming the variable.
import { z } from 'zod';

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

export const kafkaEnvironmentSchema = z.object({
  KAFKA_BROKERS: brokerList,
  KAFKA_CLIENT_ID: optionalText,
  KAFKA_SSL: z.enum(['true', 'false']).default('false'),
  KAFKA_SASL_MECHANISM: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']).optional(),
  KAFKA_SASL_USERNAME: optionalText,
  KAFKA_SASL_PASSWORD: optionalText,
});

export const serviceEnvironmentSchema = z.object({
  HTTP_PORT: port,
  LOG_LEVEL: logLevel,
  QUPERSYNC_JOBS_FILE: z.string().min(1),
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
  /** How results come back: CSV (GetStatementResultV2, one string per page) or JSON (a Field per value). */
  REDSHIFT_RESULT_FORMAT: z
    .string()
    .transform((text) => text.toUpperCase())
    .pipe(z.enum(['CSV', 'JSON']))
    .default('CSV'),
});

export const dataApiEnvironmentSchema = z.object({
  HTTP_PORT: port,
  LOG_LEVEL: logLevel,
  WAREHOUSE_DATABASE_URL: postgresUrl,
});

export const coordinatorEnvironmentSchema = z.object({
  COORDINATOR_API_TOKEN: optionalText,
  RUN_STALL_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(1000)
    .default(15 * 60 * 1000),
});
