// qupersync.trigger.v1 — the public entry point for other systems (schema documented in docs/OPERATIONS.md).
import { z } from 'zod';
import { AvroMessageCodec } from '../../avro-message.codec';

export const triggerMessageSchema = z.object({
  job: z.string().regex(/^[a-z0-9_-]{1,64}$/, 'job must match [a-z0-9_-]{1,64}'),
  requestKey: z.string().min(1).max(200),
  mode: z.enum(['full', 'incremental']).nullable(),
  requestedBy: z.string().max(200).nullable(),
  requestedAtMs: z.number().int().nonnegative(),
});

export type TriggerMessage = z.infer<typeof triggerMessageSchema>;

export const triggerCodec = new AvroMessageCodec<TriggerMessage>(
  'trigger-v1/trigger.avsc',
  triggerMessageSchema,
);
