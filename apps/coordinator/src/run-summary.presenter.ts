// The run summary that the API and the CLI show (DESIGN.md section 8).
import { RunRecord, VerifyCounts } from './run-state.repository';

export interface RunSummary {
  readonly runId: string;
  readonly job: string;
  readonly mode: string;
  readonly status: string;
  readonly requestKey: string | null;
  readonly rowsExtracted: number;
  readonly rowsLoaded: number;
  /** rowsInvalid + rowsRejected. */
  readonly rowsDeadLettered: number;
  readonly rowsInvalid: number;
  readonly rowsRejected: number;
  readonly rowsStale: number;
  readonly batches: number | null;
  readonly batchesLoaded: number;
  readonly failedBatches: number;
  readonly durationMs: number;
  readonly watermark: string[] | null;
  /** A replay's number of re-extracted keys; null for a run over the table or a window. */
  readonly keys: number | null;
  readonly error: string | null;
  readonly warnings: readonly string[];
  /** How the extraction read the source (issue 11 point 7) and the rows the warehouse scanned. */
  readonly scanPlan: string | null;
  readonly rowsScanned: number | null;
  /** Target rows deleted (or stamped, deletes: soft) because the source no longer has their key. */
  readonly rowsDeleted: number;
  /** A verify run's counts (mode verify), null otherwise. */
  readonly verifyReport: VerifyCounts | null;
  readonly createdAt: string;
  readonly finishedAt: string | null;
}

export function toRunSummary(run: RunRecord, nowMs: number): RunSummary {
  return {
    runId: run.id,
    job: run.job,
    mode: run.mode,
    status: run.status,
    requestKey: run.requestKey,
    rowsExtracted: run.rowsExtracted,
    rowsLoaded: run.rowsLoaded,
    rowsDeadLettered: run.rowsDeadLettered,
    rowsInvalid: run.rowsInvalid,
    rowsRejected: run.rowsRejected,
    rowsStale: run.rowsStale,
    batches: run.totalBatches,
    batchesLoaded: run.batchesLoaded,
    failedBatches: run.batchesFailed,
    durationMs: (run.finishedAt?.getTime() ?? nowMs) - run.createdAt.getTime(),
    watermark: run.highCursor,
    keys: run.keys?.length ?? null,
    error: run.error,
    warnings: run.warnings,
    scanPlan: run.scanPlan,
    rowsScanned: run.rowsScanned,
    rowsDeleted: run.rowsDeleted,
    verifyReport: run.verifyReport,
    createdAt: run.createdAt.toISOString(),
    finishedAt: run.finishedAt?.toISOString() ?? null,
  };
}
