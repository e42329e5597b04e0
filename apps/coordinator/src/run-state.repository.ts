// SQL over the coordinator's state tables (runs, batches, trigger requests, applied events and
// qupersync_state). Every write that must be atomic takes the transaction client it runs in.
import { Injectable } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { PostgresDatabase } from '@qupersync/postgres';

/**
 * queued: a follow-up run waiting for its job's active run to end. deleting: every batch loaded
 * (or a reconcile run), target rows whose key the source lacks being deleted (deletes: hard |
 * soft) before success. verifying: a scheduled verify comparing the two sides.
 */
export type RunStatus =
  | 'queued'
  | 'pending'
  | 'extracting'
  | 'loading'
  | 'deleting'
  | 'verifying'
  | 'succeeded'
  | 'failed'
  | 'cancelled';

/** The statuses of a run that holds its job: at most one per job (a unique index says so too). */
export const activeRunStatuses: readonly RunStatus[] = [
  'pending',
  'extracting',
  'loading',
  'deleting',
  'verifying',
];

/** What a verify run keeps of its report (the counts; the sample is in the coordinator's log). */
export interface VerifyCounts {
  readonly equal: boolean;
  readonly rowsSource: number;
  readonly rowsTarget: number;
  readonly missing: number;
  readonly extra: number;
  readonly different: number;
  readonly rangesCompared: number;
  readonly seconds: number;
}
/** verify and reconcile runs read no batches: scheduled checks recorded like runs. */
export type RunMode = 'full' | 'incremental' | 'verify' | 'reconcile';
export type BatchStatus = 'extracted' | 'transformed' | 'loaded' | 'failed';

export interface RunRecord {
  readonly id: string;
  readonly job: string;
  readonly mode: RunMode;
  readonly status: RunStatus;
  readonly triggerSource: string;
  readonly requestKey: string | null;
  readonly fromCursor: string[] | null;
  readonly highCursor: string[] | null;
  /** A keyed run's (replay's) primary-key tuples; null for a run over the table or a window. */
  readonly keys: string[][] | null;
  readonly totalBatches: number | null;
  readonly batchesLoaded: number;
  readonly batchesFailed: number;
  readonly rowsExtracted: number;
  readonly rowsLoaded: number;
  /** rowsInvalid + rowsRejected: every row of the run sent to the dead-letter topic. */
  readonly rowsDeadLettered: number;
  /** Rows the entity's rules refused (transformer). */
  readonly rowsInvalid: number;
  /** Rows the target database refused (loader). */
  readonly rowsRejected: number;
  /** Rows of fenced batches: other extraction attempts, or batches arriving after the run ended. */
  readonly rowsStale: number;
  /** The completing attempt's own row total (extraction_completed), null until it reports. */
  readonly rowsReported: number | null;
  /** How the completing attempt read the source, and the rows the warehouse scanned for it. */
  readonly scanPlan: string | null;
  readonly rowsScanned: number | null;
  /** Target rows deleted (or stamped, deletes: soft) because the source no longer has their key. */
  readonly rowsDeleted: number;
  /** A verify run's counts; null for any other run and while it runs. */
  readonly verifyReport: VerifyCounts | null;
  /** The version of the job's definition the run was started under; null before it was sent. */
  readonly jobVersion: string | null;
  /** The extraction attempt that reported completion; null while extracting. */
  readonly extractionId: string | null;
  /** What the run should tell the operator without failing (a target column the source lacks). */
  readonly warnings: readonly string[];
  readonly error: string | null;
  readonly createdAt: Date;
  readonly finishedAt: Date | null;
  readonly lastProgressAt: Date;
}

interface RunRow {
  id: string;
  job: string;
  mode: RunMode;
  status: RunStatus;
  trigger_source: string;
  request_key: string | null;
  from_cursor: string[] | null;
  high_cursor: string[] | null;
  keys: string[][] | null;
  total_batches: number | null;
  batches_loaded: number;
  batches_failed: number;
  rows_extracted: string;
  rows_loaded: string;
  rows_dead_lettered: string;
  rows_invalid: string;
  rows_rejected: string;
  rows_stale: string;
  rows_reported: string | null;
  scan_plan: string | null;
  rows_scanned: string | null;
  rows_deleted: string;
  verify_report: VerifyCounts | null;
  job_version: string | null;
  extraction_id: string | null;
  warnings: string[];
  error: string | null;
  created_at: Date;
  finished_at: Date | null;
  last_progress_at: Date;
}

export interface BatchFailureRecord {
  readonly job: string;
  readonly runId: string | null;
  readonly sequence: number | null;
  readonly topic: string | null;
  readonly partition: number | null;
  readonly offset: string | null;
  readonly errorCode: string | null;
  readonly error: string | null;
  readonly recordedAt: Date;
}

const statusRank: Readonly<Record<BatchStatus, number>> = {
  extracted: 1,
  transformed: 2,
  loaded: 3,
  failed: 3,
};

function toRunRecord(row: RunRow): RunRecord {
  return {
    id: row.id,
    job: row.job,
    mode: row.mode,
    status: row.status,
    triggerSource: row.trigger_source,
    requestKey: row.request_key,
    fromCursor: row.from_cursor,
    highCursor: row.high_cursor,
    keys: row.keys,
    totalBatches: row.total_batches,
    batchesLoaded: row.batches_loaded,
    batchesFailed: row.batches_failed,
    rowsExtracted: Number(row.rows_extracted),
    rowsLoaded: Number(row.rows_loaded),
    rowsDeadLettered: Number(row.rows_dead_lettered),
    rowsInvalid: Number(row.rows_invalid),
    rowsRejected: Number(row.rows_rejected),
    rowsStale: Number(row.rows_stale),
    rowsReported: row.rows_reported === null ? null : Number(row.rows_reported),
    scanPlan: row.scan_plan,
    rowsScanned: row.rows_scanned === null ? null : Number(row.rows_scanned),
    rowsDeleted: Number(row.rows_deleted),
    verifyReport: row.verify_report,
    jobVersion: row.job_version,
    extractionId: row.extraction_id,
    warnings: row.warnings,
    error: row.error,
    createdAt: row.created_at,
    finishedAt: row.finished_at,
    lastProgressAt: row.last_progress_at,
  };
}

@Injectable()
export class RunStateRepository {
  constructor(readonly database: PostgresDatabase) {}

  async findRun(runId: string, client?: PoolClient): Promise<RunRecord | undefined> {
    const sql = 'SELECT * FROM qupersync_runs WHERE id = $1';
    const rows = client
      ? (await client.query<RunRow>(sql, [runId])).rows
      : await this.database.query<RunRow>(sql, [runId]);
    const row = rows[0];
    return row === undefined ? undefined : toRunRecord(row);
  }

  async lockRun(client: PoolClient, runId: string): Promise<RunRecord | undefined> {
    const row = (await client.query<RunRow>('SELECT * FROM qupersync_runs WHERE id = $1 FOR UPDATE', [runId]))
      .rows[0];
    return row === undefined ? undefined : toRunRecord(row);
  }

  async listRuns(job: string | undefined, limit: number): Promise<RunRecord[]> {
    const rows = await this.database.query<RunRow>(
      'SELECT * FROM qupersync_runs WHERE ($1::text IS NULL OR job = $1) ORDER BY created_at DESC LIMIT $2',
      [job ?? null, limit],
    );
    return rows.map(toRunRecord);
  }

  async activeRuns(): Promise<RunRecord[]> {
    const rows = await this.database.query<RunRow>(
      'SELECT * FROM qupersync_runs WHERE status = ANY($1::text[]) ORDER BY created_at',
      [activeRunStatuses],
    );
    return rows.map(toRunRecord);
  }

  /** Active runs without progress for longer than `timeoutMs`, by the database's clock (one clock for every coordinator). */
  stalledRuns(timeoutMs: number): Promise<RunRecord[]> {
    return this.runsIdleFor(activeRunStatuses, timeoutMs);
  }

  /** Runs still `pending` after `olderThanMs`: their extract request never went out (a failed send). */
  unsentRuns(olderThanMs: number): Promise<RunRecord[]> {
    return this.runsIdleFor(['pending'], olderThanMs);
  }

  /** Runs in one of `statuses` whose last progress is older than `idleMs` by the database's clock. */
  private async runsIdleFor(statuses: readonly RunStatus[], idleMs: number): Promise<RunRecord[]> {
    const rows = await this.database.query<RunRow>(
      `SELECT * FROM qupersync_runs WHERE status = ANY($1::text[])
         AND last_progress_at < now() - make_interval(secs => $2::double precision / 1000) ORDER BY created_at`,
      [statuses, idleMs],
    );
    return rows.map(toRunRecord);
  }

  /** The database's clock: what schedules fire by, so coordinators whose clocks differ agree. */
  async databaseNow(): Promise<Date> {
    const rows = await this.database.query<{ now: Date }>('SELECT now() AS now');
    const now = rows[0]?.now;
    if (now === undefined) throw new Error('SELECT now() returned no row');
    return now;
  }

  async activeRunOf(client: PoolClient, job: string): Promise<RunRecord | undefined> {
    const row = (
      await client.query<RunRow>(
        'SELECT * FROM qupersync_runs WHERE job = $1 AND status = ANY($2::text[]) FOR UPDATE',
        [job, activeRunStatuses],
      )
    ).rows[0];
    return row === undefined ? undefined : toRunRecord(row);
  }

  /** Queued follow-ups whose job has no active run (its end was missed): pending now. */
  async promoteOrphanedQueuedRuns(): Promise<void> {
    await this.database.query(
      `UPDATE qupersync_runs q SET status = 'pending', last_progress_at = now(),
         from_cursor = CASE WHEN q.mode = 'incremental'
           THEN (SELECT s.watermark FROM qupersync_state s WHERE s.job = q.job AND s.kind = 'watermark') END
       WHERE q.status = 'queued' AND NOT EXISTS (
         SELECT 1 FROM qupersync_runs a WHERE a.job = q.job AND a.status = ANY($1::text[]))`,
      [activeRunStatuses],
    );
  }

  /** The run a request key of a job started or joined (keys are per job). */
  async findTriggerRequest(
    client: PoolClient | undefined,
    job: string,
    requestKey: string,
  ): Promise<{ runId: string; coalesced: boolean } | undefined> {
    const sql =
      'SELECT run_id, coalesced FROM qupersync_trigger_requests WHERE job = $1 AND request_key = $2';
    const rows = client
      ? (await client.query<{ run_id: string; coalesced: boolean }>(sql, [job, requestKey])).rows
      : await this.database.query<{ run_id: string; coalesced: boolean }>(sql, [job, requestKey]);
    const row = rows[0];
    return row === undefined ? undefined : { runId: row.run_id, coalesced: row.coalesced };
  }

  async queuedRunOf(client: PoolClient, job: string): Promise<RunRecord | undefined> {
    const row = (
      await client.query<RunRow>(
        "SELECT * FROM qupersync_runs WHERE job = $1 AND status = 'queued' FOR UPDATE",
        [job],
      )
    ).rows[0];
    return row === undefined ? undefined : toRunRecord(row);
  }

  /**
   * Turns the job's queued follow-up run (if any) into a pending one, reading from the watermark
   * as it is now (the ending run may just have advanced it). The caller requests its extraction
   * after commit; a coordinator that dies in between resumes pending runs at start-up.
   */
  async promoteQueuedRun(client: PoolClient, job: string): Promise<string | undefined> {
    const row = (
      await client.query<{ id: string }>(
        `UPDATE qupersync_runs SET status = 'pending', last_progress_at = now(),
           from_cursor = CASE WHEN mode = 'incremental'
             THEN (SELECT watermark FROM qupersync_state WHERE job = $1 AND kind = 'watermark') END
         WHERE job = $1 AND status = 'queued' RETURNING id`,
        [job],
      )
    ).rows[0];
    return row?.id;
  }

  async recordTriggerRequest(
    client: PoolClient,
    requestKey: string,
    job: string,
    runId: string,
    coalesced: boolean,
  ): Promise<void> {
    await client.query(
      'INSERT INTO qupersync_trigger_requests (request_key, job, run_id, coalesced) VALUES ($1, $2, $3, $4) ON CONFLICT (job, request_key) DO NOTHING',
      [requestKey, job, runId, coalesced],
    );
  }

  async insertRun(
    client: PoolClient,
    run: {
      id: string;
      job: string;
      mode: RunMode;
      triggerSource: string;
      requestKey: string | null;
      fromCursor: string[] | null;
      status?: 'pending' | 'queued' | 'deleting' | 'verifying';
      keys?: string[][];
      jobVersion?: string;
    },
  ): Promise<void> {
    await client.query(
      `INSERT INTO qupersync_runs (id, job, mode, status, trigger_source, request_key, from_cursor, keys, job_version)
       VALUES ($1, $2, $3, $7, $4, $5, $6, $8, $9)`,
      [
        run.id,
        run.job,
        run.mode,
        run.triggerSource,
        run.requestKey,
        run.fromCursor === null ? null : JSON.stringify(run.fromCursor),
        run.status ?? 'pending',
        run.keys === undefined ? null : JSON.stringify(run.keys),
        run.jobVersion ?? null,
      ],
    );
    await client.query('INSERT INTO qupersync_run_fences (run_id, job, open) VALUES ($1, $2, true)', [
      run.id,
      run.job,
    ]);
  }

  /**
   * Closes the run's fence: from this commit on no loader writes a batch of the run. Waits for
   * the loader transactions that are writing one now (they hold the fence FOR SHARE).
   */
  async closeFence(client: PoolClient, runId: string): Promise<void> {
    await client.query('UPDATE qupersync_run_fences SET open = false WHERE run_id = $1 AND open', [runId]);
  }

  /** The newest extraction attempt a loader has written for, when newer than `extractionId`. */
  async newerAttemptThan(
    client: PoolClient,
    runId: string,
    extractionId: string,
  ): Promise<string | undefined> {
    const row = (
      await client.query<{ latest: string }>(
        'SELECT latest_extraction_id AS latest FROM qupersync_run_fences WHERE run_id = $1 AND latest_extraction_id > $2',
        [runId, extractionId],
      )
    ).rows[0];
    return row?.latest;
  }

  async addWarning(client: PoolClient, runId: string, warning: string): Promise<void> {
    await client.query(
      'UPDATE qupersync_runs SET warnings = array_append(warnings, $2) WHERE id = $1 AND NOT ($2 = ANY (warnings))',
      [runId, warning],
    );
  }

  /** Rows of a batch fenced as stale by a loader; applied once per event (claimEvent). */
  async addStaleRows(client: PoolClient, runId: string, rows: number): Promise<void> {
    await client.query('UPDATE qupersync_runs SET rows_stale = rows_stale + $2 WHERE id = $1', [runId, rows]);
  }

  /** Pins the run to a version of its job's definition (when its extraction is requested). */
  async setJobVersion(runId: string, version: string): Promise<void> {
    await this.database.query('UPDATE qupersync_runs SET job_version = $2 WHERE id = $1', [runId, version]);
  }

  async setVerifyReport(client: PoolClient, runId: string, report: VerifyCounts): Promise<void> {
    await client.query('UPDATE qupersync_runs SET verify_report = $2 WHERE id = $1', [
      runId,
      JSON.stringify(report),
    ]);
  }

  /** Counts target rows a deleting run removed, as progress (the stall clock restarts). */
  async addRowsDeleted(client: PoolClient, runId: string, rows: number): Promise<void> {
    await client.query(
      'UPDATE qupersync_runs SET rows_deleted = rows_deleted + $2, last_progress_at = now() WHERE id = $1',
      [runId, rows],
    );
  }

  /** A deleting run's statements are progress too: a large table's key comparison takes a while. */
  async touchRun(runId: string): Promise<void> {
    await this.database.query('UPDATE qupersync_runs SET last_progress_at = now() WHERE id = $1', [runId]);
  }

  async setRunStatus(
    client: PoolClient | undefined,
    runId: string,
    status: RunStatus,
    error: string | null = null,
  ): Promise<void> {
    const finished = status === 'succeeded' || status === 'failed' || status === 'cancelled';
    const sql = `UPDATE qupersync_runs SET status = $2, error = COALESCE($3, error), last_progress_at = now(),
                 finished_at = CASE WHEN $4 THEN now() ELSE finished_at END WHERE id = $1`;
    const values = [runId, status, error, finished];
    if (client) await client.query(sql, values);
    else await this.database.query(sql, values);
  }

  async watermarkOf(job: string, client?: PoolClient): Promise<string[] | null> {
    const sql = "SELECT watermark FROM qupersync_state WHERE job = $1 AND kind = 'watermark'";
    const rows = client
      ? (await client.query<{ watermark: string[] | null }>(sql, [job])).rows
      : await this.database.query<{ watermark: string[] | null }>(sql, [job]);
    return rows[0]?.watermark ?? null;
  }

  async advanceWatermark(
    client: PoolClient,
    job: string,
    runId: string | null,
    cursor: string[],
    cursorColumns: readonly string[],
  ): Promise<void> {
    await client.query(
      `INSERT INTO qupersync_state (job, kind, run_id, watermark, cursor_columns) VALUES ($1, 'watermark', $2, $3, $4)
       ON CONFLICT (job) WHERE kind = 'watermark'
       DO UPDATE SET run_id = EXCLUDED.run_id, watermark = EXCLUDED.watermark,
         cursor_columns = EXCLUDED.cursor_columns, recorded_at = now()`,
      [job, runId, JSON.stringify(cursor), cursorColumns],
    );
  }

  /** The columns the stored watermark's values belong to; null when unknown (stored before 0007). */
  async cursorColumnsOf(client: PoolClient, job: string): Promise<string[] | null> {
    const row = (
      await client.query<{ cursor_columns: string[] | null }>(
        "SELECT cursor_columns FROM qupersync_state WHERE job = $1 AND kind = 'watermark'",
        [job],
      )
    ).rows[0];
    return row?.cursor_columns ?? null;
  }

  async clearWatermark(client: PoolClient, job: string): Promise<void> {
    await client.query("DELETE FROM qupersync_state WHERE job = $1 AND kind = 'watermark'", [job]);
  }

  /** Records an event id; false when it was applied before (events are applied once). */
  async claimEvent(client: PoolClient, eventId: string, runId: string): Promise<boolean> {
    const result = await client.query(
      'INSERT INTO qupersync_applied_events (event_id, run_id) VALUES ($1, $2) ON CONFLICT (event_id) DO NOTHING',
      [eventId, runId],
    );
    return result.rowCount === 1;
  }

  /**
   * Moves a batch forward, never back: a late "extracted" after "loaded" changes nothing, so
   * events may arrive in any order and more than once.
   */
  async upsertBatch(
    client: PoolClient,
    batch: {
      runId: string;
      extractionId: string;
      sequence: number;
      status: BatchStatus;
      rowCount: number | null;
      rowsWritten: number | null;
      rowsInvalid: number | null;
      rowsRejected: number | null;
      cursorFrom: string | null;
      cursorTo: string | null;
      error: string | null;
    },
  ): Promise<void> {
    await client.query(
      `INSERT INTO qupersync_batches AS b (run_id, sequence, status, row_count, rows_written, rows_invalid, rows_rejected, rows_dead_lettered, cursor_from, cursor_to, error, extraction_id)
       VALUES ($1, $2, $3, COALESCE($4, 0), COALESCE($5, 0), COALESCE($6::integer, 0), COALESCE($12::integer, 0), COALESCE($6::integer, 0) + COALESCE($12::integer, 0), $7::jsonb, $8::jsonb, $9, $11)
       ON CONFLICT (run_id, extraction_id, sequence) DO UPDATE SET
         status = CASE WHEN $10 > (CASE b.status WHEN 'extracted' THEN 1 WHEN 'transformed' THEN 2 ELSE 3 END)
                       THEN EXCLUDED.status ELSE b.status END,
         row_count = CASE WHEN $4::integer IS NULL THEN b.row_count ELSE GREATEST(b.row_count, $4) END,
         rows_written = COALESCE($5, b.rows_written),
         rows_invalid = COALESCE($6, b.rows_invalid),
         rows_rejected = COALESCE($12, b.rows_rejected),
         rows_dead_lettered = COALESCE($6, b.rows_invalid) + COALESCE($12, b.rows_rejected),
         cursor_from = COALESCE(b.cursor_from, EXCLUDED.cursor_from),
         cursor_to = COALESCE(b.cursor_to, EXCLUDED.cursor_to),
         error = COALESCE(EXCLUDED.error, b.error),
         updated_at = now()`,
      [
        batch.runId,
        batch.sequence,
        batch.status,
        batch.rowCount,
        batch.rowsWritten,
        batch.rowsInvalid,
        batch.cursorFrom,
        batch.cursorTo,
        batch.error,
        statusRank[batch.status],
        batch.extractionId,
        batch.rowsRejected,
      ],
    );
  }

  /**
   * Applies one loaded part of a batch the transformer split: its rows add to the batch's, and the
   * batch is loaded when its last part is. Called once per part (the event id is per part).
   */
  async addLoadedPart(
    client: PoolClient,
    part: {
      runId: string;
      extractionId: string;
      sequence: number;
      parts: number;
      rowsWritten: number;
      rowsRejected: number;
      cursorFrom: string | null;
      cursorTo: string | null;
    },
  ): Promise<void> {
    await client.query(
      `INSERT INTO qupersync_batches AS b (run_id, sequence, status, rows_written, rows_rejected, rows_dead_lettered, cursor_from, cursor_to, extraction_id, parts, parts_loaded)
       VALUES ($1, $2, CASE WHEN $4 <= 1 THEN 'loaded' ELSE 'transformed' END, $5, $6, $6, $7::jsonb, $8::jsonb, $3, $4, 1)
       ON CONFLICT (run_id, extraction_id, sequence) DO UPDATE SET
         parts = $4,
         parts_loaded = b.parts_loaded + 1,
         rows_written = b.rows_written + $5,
         rows_rejected = b.rows_rejected + $6,
         rows_dead_lettered = b.rows_invalid + b.rows_rejected + $6,
         status = CASE WHEN b.status = 'failed' THEN 'failed'
                       WHEN b.parts_loaded + 1 >= $4 THEN 'loaded'
                       ELSE b.status END,
         cursor_from = COALESCE(b.cursor_from, EXCLUDED.cursor_from),
         cursor_to = COALESCE(b.cursor_to, EXCLUDED.cursor_to),
         updated_at = now()`,
      [
        part.runId,
        part.sequence,
        part.extractionId,
        part.parts,
        part.rowsWritten,
        part.rowsRejected,
        part.cursorFrom,
        part.cursorTo,
      ],
    );
  }

  /**
   * Recomputes the run's counters from its batches (derived, so replays cannot double count).
   * Once extraction has completed, only the batches of the completing attempt count.
   */
  async refreshRunProgress(client: PoolClient, runId: string): Promise<void> {
    await client.query(
      `UPDATE qupersync_runs r SET
         batches_loaded = s.loaded, batches_failed = s.failed,
         rows_extracted = s.extracted_rows, rows_loaded = s.loaded_rows,
         rows_invalid = s.invalid_rows, rows_rejected = s.rejected_rows,
         rows_dead_lettered = s.invalid_rows + s.rejected_rows,
         last_progress_at = now()
       FROM (SELECT count(*) FILTER (WHERE b.status = 'loaded') AS loaded,
                    count(*) FILTER (WHERE b.status = 'failed') AS failed,
                    COALESCE(sum(b.row_count), 0) AS extracted_rows,
                    COALESCE(sum(b.rows_written) FILTER (WHERE b.status = 'loaded'), 0) AS loaded_rows,
                    COALESCE(sum(b.rows_invalid), 0) AS invalid_rows,
                    COALESCE(sum(b.rows_rejected), 0) AS rejected_rows
             FROM qupersync_batches b JOIN qupersync_runs owner ON owner.id = b.run_id
             WHERE b.run_id = $1 AND (owner.extraction_id IS NULL OR b.extraction_id = owner.extraction_id)) s
       WHERE r.id = $1`,
      [runId],
    );
  }

  async markExtractionCompleted(
    client: PoolClient,
    runId: string,
    totalBatches: number,
    highCursor: string | null,
    extractionId: string,
    rowsReported: number,
    scan: { readonly plan: string | null; readonly rowsScanned: number | null },
  ): Promise<void> {
    await client.query(
      `UPDATE qupersync_runs SET total_batches = $2, high_cursor = $3::jsonb, extraction_id = $4, rows_reported = $5,
         scan_plan = $6, rows_scanned = $7,
         last_progress_at = now(),
         status = CASE WHEN status IN ('pending', 'extracting') THEN 'loading' ELSE status END
       WHERE id = $1 AND (extraction_id IS NULL OR extraction_id < $4)`,
      [runId, totalBatches, highCursor, extractionId, rowsReported, scan.plan, scan.rowsScanned],
    );
  }

  async recordBatchFailure(
    client: PoolClient,
    failure: {
      job: string;
      runId: string;
      sequence: number | null;
      topic: string | null;
      partition: number | null;
      offset: string | null;
      errorCode: string | null;
      error: string | null;
    },
  ): Promise<void> {
    await client.query(
      `INSERT INTO qupersync_state (job, kind, run_id, batch_sequence, kafka_topic, kafka_partition, kafka_offset, error_code, error)
       VALUES ($1, 'batch_failure', $2, $3, $4, $5, $6, $7, $8)`,
      [
        failure.job,
        failure.runId,
        failure.sequence,
        failure.topic,
        failure.partition,
        failure.offset,
        failure.errorCode,
        failure.error,
      ],
    );
  }

  async listFailures(job: string | undefined, limit: number): Promise<BatchFailureRecord[]> {
    const rows = await this.database.query<{
      job: string;
      run_id: string | null;
      batch_sequence: number | null;
      kafka_topic: string | null;
      kafka_partition: number | null;
      kafka_offset: string | null;
      error_code: string | null;
      error: string | null;
      recorded_at: Date;
    }>(
      `SELECT job, run_id, batch_sequence, kafka_topic, kafka_partition, kafka_offset, error_code, error, recorded_at
       FROM qupersync_state WHERE kind = 'batch_failure' AND ($1::text IS NULL OR job = $1) ORDER BY recorded_at DESC LIMIT $2`,
      [job ?? null, limit],
    );
    return rows.map((row) => ({
      job: row.job,
      runId: row.run_id,
      sequence: row.batch_sequence,
      topic: row.kafka_topic,
      partition: row.kafka_partition,
      offset: row.kafka_offset,
      errorCode: row.error_code,
      error: row.error,
      recordedAt: row.recorded_at,
    }));
  }
}
