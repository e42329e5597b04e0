// A run's batches as the console and `GET /runs/:id/batches` show them, and its load rate over
// time (`GET /runs/:id/throughput`), both read from qupersync_batches: a batch's updated_at is
// when it last changed state, so for a loaded batch it is when its rows were written.
import { Injectable } from '@nestjs/common';
import { PostgresDatabase } from '@qupersync/postgres';

export interface BatchView {
  readonly sequence: number;
  readonly extractionId: string;
  readonly status: string;
  readonly rows: number;
  readonly rowsWritten: number;
  readonly rowsInvalid: number;
  readonly rowsRejected: number;
  readonly error: string | null;
  readonly updatedAt: string;
}

export interface ThroughputView {
  /** Width of each point's interval: 1 s, wider for long runs so there are at most ~300 points. */
  readonly stepSeconds: number;
  /** Rows written per second in each interval from the first load to the last, gaps as 0. */
  readonly points: readonly { readonly at: string; readonly rowsPerSecond: number }[];
}

const maxPoints = 300;

@Injectable()
export class RunBatchesRepository {
  constructor(private readonly database: PostgresDatabase) {}

  /** The run's batches, the most recently changed first. */
  async list(runId: string, limit: number): Promise<BatchView[]> {
    const rows = await this.database.query<{
      sequence: number;
      extraction_id: string;
      status: string;
      row_count: number;
      rows_written: number;
      rows_invalid: number;
      rows_rejected: number;
      error: string | null;
      updated_at: Date;
    }>(
      `SELECT sequence, extraction_id, status, row_count, rows_written, rows_invalid, rows_rejected, error,
              updated_at
         FROM qupersync_batches WHERE run_id = $1 ORDER BY updated_at DESC, sequence DESC LIMIT $2`,
      [runId, limit],
    );
    return rows.map((row) => ({
      sequence: row.sequence,
      extractionId: row.extraction_id,
      status: row.status,
      rows: row.row_count,
      rowsWritten: row.rows_written,
      rowsInvalid: row.rows_invalid,
      rowsRejected: row.rows_rejected,
      error: row.error,
      updatedAt: row.updated_at.toISOString(),
    }));
  }

  async throughput(runId: string): Promise<ThroughputView> {
    const span = (
      await this.database.query<{ first: string | null; last: string | null }>(
        `SELECT floor(extract(epoch FROM min(updated_at)))::text AS first,
                floor(extract(epoch FROM max(updated_at)))::text AS last
           FROM qupersync_batches WHERE run_id = $1 AND status = 'loaded'`,
        [runId],
      )
    )[0];
    if (span?.first == null || span.last == null) return { stepSeconds: 1, points: [] };
    const first = Number(span.first);
    const step = Math.max(1, Math.ceil((Number(span.last) - first + 1) / maxPoints));
    const buckets = await this.database.query<{ bucket: number; rows: string }>(
      `SELECT floor((floor(extract(epoch FROM updated_at)) - $2) / $3)::integer AS bucket,
              sum(rows_written)::text AS rows
         FROM qupersync_batches WHERE run_id = $1 AND status = 'loaded' GROUP BY 1`,
      [runId, first, step],
    );
    const rowsByBucket = new Map(buckets.map((bucket) => [bucket.bucket, Number(bucket.rows)]));
    const count = Math.max(...buckets.map((bucket) => bucket.bucket)) + 1;
    return {
      stepSeconds: step,
      points: Array.from({ length: count }, (_, bucket) => ({
        at: new Date((first + bucket * step) * 1000).toISOString(),
        rowsPerSecond: (rowsByBucket.get(bucket) ?? 0) / step,
      })),
    };
  }
}
