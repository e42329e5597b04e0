// The coordinator HTTP API as the CLI and the demo read it. Responses are parsed, not trusted:
// a coordinator of another version fails here with the field that differs, not later with NaN.
import { z } from 'zod';

/** Counters may arrive as JSON numbers or, for PostgreSQL bigints, as digit strings. */
const count = z.union([z.number().int().nonnegative(), z.string().regex(/^\d+$/).transform(Number)]);

export const runStatusSchema = z.enum([
  'queued',
  'pending',
  'extracting',
  'loading',
  'deleting',
  'verifying',
  'succeeded',
  'failed',
  'cancelled',
]);
export type RunStatus = z.infer<typeof runStatusSchema>;

export const terminalRunStatuses: ReadonlySet<RunStatus> = new Set<RunStatus>([
  'succeeded',
  'failed',
  'cancelled',
]);

export const jobViewSchema = z.object({
  name: z.string(),
  mode: z.string(),
  sourceTable: z.string().nullable(),
  targetTable: z.string(),
  schedule: z.string().nullable(),
  watermark: z.string().nullable(),
  activeRunId: z.string().nullable(),
});
export type JobView = z.infer<typeof jobViewSchema>;

export const runAcceptedSchema = z.object({
  runId: z.string(),
  job: z.string(),
  status: runStatusSchema,
  coalesced: z.boolean(),
});
export type RunAccepted = z.infer<typeof runAcceptedSchema>;

export const runViewSchema = z.object({
  runId: z.string(),
  job: z.string(),
  mode: z.string(),
  status: runStatusSchema,
  requestKey: z.string().nullable(),
  rowsExtracted: count,
  rowsLoaded: count,
  rowsDeadLettered: count,
  rowsInvalid: count,
  rowsRejected: count,
  rowsStale: count,
  batches: count.nullable(),
  batchesLoaded: count,
  failedBatches: count,
  durationMs: count.nullable(),
  error: z.string().nullable(),
  warnings: z.array(z.string()),
  // Absent from coordinators older than the scan plan.
  scanPlan: z.string().nullable().default(null),
  rowsScanned: count.nullable().default(null),
  // A replay's re-extracted keys; absent from coordinators older than replay.
  keys: count.nullable().default(null),
  // Target rows deleted or stamped because the source lacks their key; absent before deletes.
  rowsDeleted: count.default(0),
  // A verify run's counts; absent before scheduled verification.
  verifyReport: z
    .object({
      equal: z.boolean(),
      rowsSource: count,
      rowsTarget: count,
      missing: count,
      extra: count,
      different: count,
    })
    .passthrough()
    .nullable()
    .default(null),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
});
export type RunView = z.infer<typeof runViewSchema>;

export const replayViewSchema = z.object({
  job: z.string(),
  run: runViewSchema.nullable(),
  keys: count,
  letters: count,
  notReplayable: count,
  remaining: count,
});
export type ReplayView = z.infer<typeof replayViewSchema>;

export const jobsReloadViewSchema = z.object({
  added: z.array(z.string()),
  removed: z.array(z.string()),
  changed: z.array(z.string()),
  unchanged: z.array(z.string()),
  runsFinishing: z.array(z.string()),
  runsCancelled: z.array(z.string()),
});
export type JobsReloadView = z.infer<typeof jobsReloadViewSchema>;

export const verifyReportViewSchema = z.object({
  job: z.string(),
  equal: z.boolean(),
  rowsSource: count,
  rowsTarget: count,
  missing: count,
  extra: count,
  different: count,
  rangesCompared: count,
  rowsCompared: count,
  statements: count,
  seconds: z.number().nonnegative(),
  sample: z.array(z.array(z.string())),
  columnsCompared: z.array(z.string()),
  columnsSkipped: z.array(z.string()),
});
export type VerifyReportView = z.infer<typeof verifyReportViewSchema>;

export const verificationViewSchema = verifyReportViewSchema.extend({
  repair: z
    .object({
      before: verifyReportViewSchema,
      runs: z.array(
        z.object({
          runId: z.string(),
          status: z.string(),
          keys: count,
          rowsLoaded: count,
          error: z.string().nullable(),
        }),
      ),
      keysResynced: count,
      extraDeleted: count,
      extraKept: count,
      stoppedBecause: z.string().nullable().default(null),
      // A coordinator from before keysLeft says it only in stoppedBecause.
      keysLeft: count.default(0),
    })
    .nullable(),
});
export type VerificationView = z.infer<typeof verificationViewSchema>;

export const triggerRequestViewSchema = z.object({
  job: z.string(),
  requestKey: z.string(),
  runId: z.string(),
  coalesced: z.boolean(),
});
export type TriggerRequestView = z.infer<typeof triggerRequestViewSchema>;

export const failureViewSchema = z.object({
  job: z.string(),
  runId: z.string().nullable(),
  sequence: count.nullable(),
  topic: z.string().nullable(),
  partition: count.nullable(),
  offset: z.string().nullable(),
  errorCode: z.string().nullable(),
  error: z.string().nullable(),
  recordedAt: z.string(),
});
export type FailureView = z.infer<typeof failureViewSchema>;

export const deadLetterViewSchema = z.object({
  partition: count,
  offset: z.string(),
  job: z.string().nullable(),
  runId: z.string().nullable(),
  sequence: count.nullable(),
  stage: z.string(),
  errorCode: z.string(),
  reason: z.string(),
  rowKey: z.string().nullable(),
  row: z.string().nullable(),
  source: z.string().nullable(),
  payloadBytes: count,
  occurredAt: z.string(),
  replayedAt: z.string().nullable(),
  replayRunId: z.string().nullable().default(null),
});
export type DeadLetterView = z.infer<typeof deadLetterViewSchema>;

export const pipelineStatusViewSchema = z.object({
  healthy: z.boolean(),
  services: z.array(
    z.object({
      service: z.string(),
      groupId: z.string(),
      up: z.boolean(),
      members: count,
      state: z.string(),
      lag: count,
      topics: z.array(z.object({ topic: z.string(), lag: count })),
    }),
  ),
  jobs: z.array(
    z.object({
      job: z.string(),
      activeRunId: z.string().nullable(),
      lastRun: runViewSchema.nullable(),
    }),
  ),
  checkedAt: z.string(),
});
export type PipelineStatusView = z.infer<typeof pipelineStatusViewSchema>;

export const apiErrorSchema = z.object({
  statusCode: z.number().int(),
  message: z.union([z.string(), z.array(z.string())]),
});

/** What `trigger --json` and the demo print for a run (DESIGN.md section 8). */
export interface RunSummary {
  runId: string;
  job: string;
  status: RunStatus;
  rowsExtracted: number;
  rowsLoaded: number;
  rowsDeadLettered: number;
  rowsInvalid: number;
  rowsRejected: number;
  rowsStale: number;
  /** Target rows deleted or stamped because the source lacks their key (deletes: hard | soft). */
  rowsDeleted: number;
  batches: number | null;
  failedBatches: number;
  durationMs: number | null;
}

export function toRunSummary(run: RunView): RunSummary {
  return {
    runId: run.runId,
    job: run.job,
    status: run.status,
    rowsExtracted: run.rowsExtracted,
    rowsLoaded: run.rowsLoaded,
    rowsDeadLettered: run.rowsDeadLettered,
    rowsInvalid: run.rowsInvalid,
    rowsRejected: run.rowsRejected,
    rowsStale: run.rowsStale,
    rowsDeleted: run.rowsDeleted,
    batches: run.batches,
    failedBatches: run.failedBatches,
    durationMs: run.durationMs,
  };
}
