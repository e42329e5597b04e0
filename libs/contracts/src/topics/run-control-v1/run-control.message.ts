// qupersync.run.control.v1 — coordinator to every extractor: a run has ended (succeeded, failed,
// stalled), so an extraction still running for it stops and cancels its statement. Best effort:
// the loaders' run fence is what keeps a late batch out of the target; this saves the warehouse
// and the pipeline the work.
import { z } from 'zod';
import { AvroMessageCodec } from '../../avro-message.codec';

export const runControlMessageSchema = z.object({
  runId: z.string().uuid(),
  job: z.string().min(1),
  kind: z.enum(['run_ended']),
  status: z.enum(['succeeded', 'failed']),
  reason: z.string().nullable(),
  occurredAtMs: z.number().int().nonnegative(),
});

export type RunControlMessage = z.infer<typeof runControlMessageSchema>;

export const runControlCodec = new AvroMessageCodec<RunControlMessage>(
  'run-control-v1/run-control.avsc',
  runControlMessageSchema,
);
