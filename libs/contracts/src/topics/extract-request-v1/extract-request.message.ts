// qupersync.extract-request.v1 — coordinator to extractor: extract this run.
import { z } from 'zod';
import { AvroMessageCodec } from '../../avro-message.codec';

export const extractRequestMessageSchema = z.object({
  runId: z.string().uuid(),
  job: z.string().min(1),
  mode: z.enum(['full', 'incremental']),
  fromCursor: z.string().nullable(),
  requestedAtMs: z.number().int().nonnegative(),
});

export type ExtractRequestMessage = z.infer<typeof extractRequestMessageSchema>;

export const extractRequestCodec = new AvroMessageCodec<ExtractRequestMessage>(
  'extract-request-v1/extract-request.avsc',
  extractRequestMessageSchema,
);
