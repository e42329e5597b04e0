// qupersync.extract-part.v1 — extractor to extractors: read these UNLOAD files of an attempt.
import { z } from 'zod';
import { AvroMessageCodec } from '../../avro-message.codec';

export const extractPartMessageSchema = z.object({
  runId: z.string().uuid(),
  job: z.string().min(1),
  extractionId: z.string().min(1),
  part: z.number().int().nonnegative(),
  parts: z.number().int().positive(),
  urls: z.array(z.string().startsWith('s3://')).min(1),
  recordCounts: z.array(z.number().int().nonnegative().nullable()),
  sequenceBase: z.number().int().nonnegative(),
  schemaJson: z.string().min(2),
  expressionsJson: z.string().min(2),
  createdAtMs: z.number().int().nonnegative(),
  format: z.enum(['csv', 'parquet']),
});

export type ExtractPartMessage = z.infer<typeof extractPartMessageSchema>;

export const extractPartCodec = new AvroMessageCodec<ExtractPartMessage>(
  'extract-part-v1/extract-part.avsc',
  extractPartMessageSchema,
  // Parts written before the format field read as CSV (a rolling upgrade's in-flight parts).
  ['extract-part-v1/extract-part.before-format.avsc'],
);
