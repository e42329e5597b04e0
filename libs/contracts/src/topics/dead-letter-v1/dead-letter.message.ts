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

/** What a dead letter may weigh: under the broker's default 1 MiB message limit, with room for headers. */
export const maxDeadLetterBytes = 900 * 1024;
const keptPayloadBytes = 64 * 1024;
const keptTextCharacters = 16 * 1024;

/**
 * A dead letter that always fits the broker: one too large (a huge poison message, a wide row)
 * keeps its reason, key and source position, and only the head of its payload and row, with the
 * original sizes in the reason. A dead letter the broker refused would block its partition.
 */
export function encodeDeadLetter(letter: DeadLetterMessage): Buffer {
  const encoded = deadLetterCodec.encode(letter);
  return encoded.length <= maxDeadLetterBytes ? encoded : deadLetterCodec.encode(cutDeadLetter(letter));
}

function cutDeadLetter(letter: DeadLetterMessage): DeadLetterMessage {
  const payloadBytes = letter.payload?.length ?? 0;
  const rowCharacters = letter.row?.length ?? 0;
  return {
    ...letter,
    reason: `${letter.reason.slice(0, keptTextCharacters)} (dead letter cut to fit: payload ${payloadBytes} bytes, row ${rowCharacters} characters; heads kept)`,
    rowKey: letter.rowKey === null ? null : letter.rowKey.slice(0, keptTextCharacters),
    row: letter.row === null ? null : letter.row.slice(0, keptTextCharacters),
    payload: letter.payload === null ? null : letter.payload.subarray(0, keptPayloadBytes),
  };
}
