// qupersync.batch.event.v1 — every service reports batch progress to the coordinator here.
import { z } from 'zod';
import { AvroMessageCodec } from '../../avro-message.codec';

export const batchEventKinds = [
  'batch_extracted',
  'extraction_completed',
  'extraction_failed',
  'batch_transformed',
  'batch_loaded',
  'batch_failed',
] as const;

export type BatchEventKind = (typeof batchEventKinds)[number];

export const batchEventMessageSchema = z.object({
  eventId: z.string().min(1),
  runId: z.string().uuid(),
  job: z.string().min(1),
  kind: z.enum(batchEventKinds),
  sequence: z.number().int().nonnegative().nullable(),
  rowCount: z.number().int().nonnegative(),
  rowsWritten: z.number().int().nonnegative(),
  rowsDeadLettered: z.number().int().nonnegative(),
  cursorFrom: z.string().nullable(),
  cursorTo: z.string().nullable(),
  totalBatches: z.number().int().nonnegative().nullable(),
  errorCode: z.string().nullable(),
  error: z.string().nullable(),
  topic: z.string().nullable(),
  partition: z.number().int().nonnegative().nullable(),
  offset: z.string().nullable(),
  service: z.string().min(1),
  occurredAtMs: z.number().int().nonnegative(),
  extractionId: z.string().min(1).nullable(),
  /** Added after the first release: absent (null) in events of older writers and of whole batches. */
  part: z.number().int().nonnegative().nullable().optional(),
  parts: z.number().int().min(1).nullable().optional(),
  /** extraction_completed only, added later still: the extraction's plan and the rows it scanned. */
  scanPlan: z.string().nullable().optional(),
  rowsScanned: z.number().int().nonnegative().nullable().optional(),
});

export type BatchEventMessage = z.infer<typeof batchEventMessageSchema>;

export const batchEventCodec = new AvroMessageCodec<BatchEventMessage>(
  'batch-event-v1/batch-event.avsc',
  batchEventMessageSchema,
  // Events of earlier revisions still decode (a rolling upgrade's in-flight events).
  ['batch-event-v1/batch-event.before-scan-plan.avsc', 'batch-event-v1/batch-event.before-parts.avsc'],
);

/**
 * The idempotency key of a batch's event: the same batch reported twice (a redelivery) gives the
 * same id, while a batch of another extraction attempt of the run gives another one.
 */
export function batchEventId(
  identity: {
    readonly runId: string;
    readonly extractionId: string | null;
    readonly sequence: number | null;
    readonly part?: number | null;
  },
  kind: BatchEventKind,
): string {
  const part = identity.part === undefined || identity.part === null ? '' : `.${identity.part}`;
  return `${identity.runId}:${identity.extractionId ?? '-'}:${kind}:${identity.sequence ?? '-'}${part}`;
}
