// qupersync.extract-request.v1 — coordinator to extractor: extract this run.
import { z } from 'zod';
import { AvroMessageCodec } from '../../avro-message.codec';

/** The most keys one keyed run carries: the request stays far below the broker's message limit. */
export const maxKeysPerRun = 10_000;

export const extractRequestMessageSchema = z.object({
  runId: z.string().uuid(),
  job: z.string().min(1),
  mode: z.enum(['full', 'incremental']),
  fromCursor: z.string().nullable(),
  requestedAtMs: z.number().int().nonnegative(),
  /** A keyed run's primary-key tuples (full mode only); null reads the table or the window. */
  keys: z.array(z.array(z.string()).min(1)).min(1).max(maxKeysPerRun).nullable(),
});

export type ExtractRequestMessage = z.infer<typeof extractRequestMessageSchema>;

export const extractRequestCodec = new AvroMessageCodec<ExtractRequestMessage>(
  'extract-request-v1/extract-request.avsc',
  extractRequestMessageSchema,
  // Requests written before keyed runs read as whole runs (a rolling upgrade's in-flight requests).
  ['extract-request-v1/extract-request.before-keys.avsc'],
);
