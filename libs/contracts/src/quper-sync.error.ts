// Every error that crosses a boundary carries a code and a class. "transient" errors are
// retried (with backoff); "permanent" ones are dead-lettered or fail the batch or run.
export type ErrorClass = 'transient' | 'permanent';

export type ErrorCode =
  | 'MESSAGE_UNDECODABLE'
  | 'MESSAGE_INVALID'
  | 'JOB_UNKNOWN'
  | 'JOB_BUSY'
  | 'ROW_INVALID'
  | 'ROW_TOO_LARGE'
  | 'BATCH_INVALID'
  | 'SOURCE_STATEMENT_FAILED'
  | 'SOURCE_THROTTLED'
  | 'SOURCE_UNAVAILABLE'
  | 'OBJECT_STORE_FAILED'
  | 'TARGET_UNAVAILABLE'
  | 'TARGET_ROW_REJECTED'
  | 'TARGET_WRITE_FAILED'
  | 'TARGET_INCOMPATIBLE'
  | 'BROKER_REJECTED'
  | 'RUN_STALLED'
  | 'DELETES_REFUSED'
  | 'BATCH_STALE'
  | 'INTERNAL';

/**
 * The error code of a batch a loader fenced: its run has ended or a newer extraction attempt
 * owns it. Reported as a batch_failed event with this code; counted as stale, never a failure.
 */
export const staleBatchCode = 'BATCH_STALE' satisfies ErrorCode;

export class QuperSyncError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly errorClass: ErrorClass,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'QuperSyncError';
  }
}

/**
 * A run's message names a job, or a version of its definition, that this process's jobs file
 * does not have (even read again): the file has not reached it yet, or the services were given
 * different files.
 */
export function unknownJobVersion(job: string, version: string | null, missingForMs: number): QuperSyncError {
  // A version may be unknown only for now (the file reaches this service after the coordinator's
  // reload): retried with backoff, which reads the file again, for a minute; then the record is
  // dead-lettered rather than block its partition.
  return new QuperSyncError(
    'JOB_UNKNOWN',
    version !== null && missingForMs < 60_000 ? 'transient' : 'permanent',
    version === null
      ? `unknown job "${job}"`
      : `job "${job}" as of version ${version} is not in this service's jobs file: give every service the same QUPERSYNC_JOBS_FILE, then reload it`,
  );
}

export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'object' && error !== null) {
    try {
      return JSON.stringify(error);
    } catch {
      return Object.prototype.toString.call(error);
    }
  }
  return String(error);
}
