// The self-describing schema of a data batch. It travels inside every batch (the Avro Object
// Container File header), so a consumer needs no code of the producer to read one: each field
// carries its SQL name, its value kind and its exact SQL type (precision, scale, length).
import { z } from 'zod';

export const columnKinds = [
  'smallint',
  'integer',
  'bigint',
  'decimal',
  'real',
  'double',
  'boolean',
  'text',
  'date',
  'timestamp',
  'timestamptz',
  'time',
  'timetz',
  'super',
  'varbyte',
] as const;

export type ColumnKind = (typeof columnKinds)[number];

/** An exact value in memory: decimals, dates and times are canonical strings, BIGINT is a bigint. */
export type ExactValue = null | string | number | bigint | boolean | Buffer;

export type BatchRow = Record<string, ExactValue>;

export const batchColumnSchema = z.object({
  name: z.string().min(1),
  kind: z.enum(columnKinds),
  /** The source type name as Redshift reports it (int8, numeric, varchar, ...). */
  sqlType: z.string().min(1),
  precision: z.number().int().nonnegative().nullable(),
  scale: z.number().int().nonnegative().nullable(),
  nullable: z.boolean(),
});

export type BatchColumn = z.infer<typeof batchColumnSchema>;

export const batchSchemaSchema = z.object({
  job: z.string().min(1),
  columns: z.array(batchColumnSchema).min(1),
  primaryKey: z.array(z.string().min(1)).min(1),
  watermark: z.string().min(1).nullable(),
});

export type BatchSchema = z.infer<typeof batchSchemaSchema>;
