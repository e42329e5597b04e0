// qupersync.dead-letter.v1 — invalid rows and poison messages, with the reason.
import { z } from 'zod';
import { AvroMessageCodec } from '../../avro-message.codec';

export const deadLetterMessageSchema = z.object({
  job: z.string().nullable(),
  runId: z.string().nullable(),
  sequence: z.number().int().nonnegative().nullable(),
  stage: z.enum(['coordinator', 'extractor', 'transformer', 'loader']),
  errorCode: z.string().min(1),
  reason: z.string(),
  rowKey: z.string().nullable(),
  row: z.string().nullable(),
  sourceTopic: z.string().nullable(),
  sourcePartition: z.number().int().nonnegative().nullable(),
  sourceOffset: z.string().nullable(),
  payload: z.instanceof(Buffer).nullable(),
  occurredAtMs: z.number().int().nonnegative(),
});

export type DeadLetterMessage = z.infer<typeof deadLetterMessageSchema>;

export const deadLetterCodec = new AvroMessageCodec<DeadLetterMessage>(
  'dead-letter-v1/dead-letter.avsc',
  deadLetterMessageSchema,
);
