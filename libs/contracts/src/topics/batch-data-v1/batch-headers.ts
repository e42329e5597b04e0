// Batch identity travels in Kafka headers so that routing and tracking never need to decode
// the (possibly large) value.
import { z } from 'zod';

export const batchHeaderNames = {
  job: 'qupersync-job',
  runId: 'qupersync-run-id',
  sequence: 'qupersync-sequence',
  rowCount: 'qupersync-row-count',
  cursorFrom: 'qupersync-cursor-from',
  cursorTo: 'qupersync-cursor-to',
  extractionId: 'qupersync-extraction-id',
  /** Set only on the parts of a batch the transformer had to split to fit the broker's limit. */
  part: 'qupersync-part',
  parts: 'qupersync-parts',
  /**
   * The version of the job definition the run was started under (JobCatalog): every service
   * handles the run's messages with that definition, whenever it reloads its jobs file. Also on
   * extract requests and UNLOAD parts. Absent from messages of older producers.
   */
  jobVersion: 'qupersync-job-version',
} as const;

export const batchIdentitySchema = z.object({
  job: z.string().min(1),
  runId: z.string().uuid(),
  sequence: z.coerce.number().int().nonnegative(),
  rowCount: z.coerce.number().int().nonnegative(),
  cursorFrom: z.string().nullable(),
  cursorTo: z.string().nullable(),
  extractionId: z.string().min(1).nullable(),
  /** Which part of its batch this message is (0-based), and of how many; null for a whole batch. */
  part: z.coerce.number().int().nonnegative().nullable(),
  parts: z.coerce.number().int().min(2).nullable(),
  jobVersion: z.string().min(1).nullable(),
});

export type BatchIdentity = z.infer<typeof batchIdentitySchema>;

export type MessageHeaders = Record<string, string>;

export function toBatchHeaders(identity: BatchIdentity): MessageHeaders {
  const headers: MessageHeaders = {
    [batchHeaderNames.job]: identity.job,
    [batchHeaderNames.runId]: identity.runId,
    [batchHeaderNames.sequence]: String(identity.sequence),
    [batchHeaderNames.rowCount]: String(identity.rowCount),
  };
  if (identity.cursorFrom !== null) headers[batchHeaderNames.cursorFrom] = identity.cursorFrom;
  if (identity.cursorTo !== null) headers[batchHeaderNames.cursorTo] = identity.cursorTo;
  if (identity.extractionId !== null) headers[batchHeaderNames.extractionId] = identity.extractionId;
  if (identity.part !== null) headers[batchHeaderNames.part] = String(identity.part);
  if (identity.parts !== null) headers[batchHeaderNames.parts] = String(identity.parts);
  if (identity.jobVersion !== null) headers[batchHeaderNames.jobVersion] = identity.jobVersion;
  return headers;
}

export function parseBatchHeaders(
  headers: Readonly<Record<string, string | undefined>>,
): BatchIdentity | string {
  const result = batchIdentitySchema.safeParse({
    job: headers[batchHeaderNames.job],
    runId: headers[batchHeaderNames.runId],
    sequence: headers[batchHeaderNames.sequence],
    rowCount: headers[batchHeaderNames.rowCount],
    cursorFrom: headers[batchHeaderNames.cursorFrom] ?? null,
    cursorTo: headers[batchHeaderNames.cursorTo] ?? null,
    extractionId: headers[batchHeaderNames.extractionId] ?? null,
    part: headers[batchHeaderNames.part] ?? null,
    parts: headers[batchHeaderNames.parts] ?? null,
    jobVersion: headers[batchHeaderNames.jobVersion] ?? null,
  });
  if (result.success && (result.data.part === null) !== (result.data.parts === null))
    return 'part and parts go together';
  if (
    result.success &&
    result.data.part !== null &&
    result.data.parts !== null &&
    result.data.part >= result.data.parts
  )
    return `part ${result.data.part} of ${result.data.parts} does not exist`;
  if (result.success) return result.data;
  return result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
}
