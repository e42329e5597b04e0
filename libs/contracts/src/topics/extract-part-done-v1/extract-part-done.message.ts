// qupersync.extract-part.done.v1 — extractor to every extractor: an UNLOAD part is published or failed.
import { z } from 'zod';
import { AvroMessageCodec } from '../../avro-message.codec';

export const extractPartDoneMessageSchema = z.object({
  runId: z.string().uuid(),
  extractionId: z.string().min(1),
  part: z.number().int().nonnegative(),
  batches: z.number().int().nonnegative(),
  rows: z.number().int().nonnegative(),
  errorCode: z.string().nullable(),
  error: z.string().nullable(),
  worker: z.string(),
});

export type ExtractPartDoneMessage = z.infer<typeof extractPartDoneMessageSchema>;

export const extractPartDoneCodec = new AvroMessageCodec<ExtractPartDoneMessage>(
  'extract-part-done-v1/extract-part-done.avsc',
  extractPartDoneMessageSchema,
);
