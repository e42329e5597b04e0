// Jobs, runs, batches, trigger requests, applied events and qupersync_state (watermarks and
// batch failures). One active run per job is enforced by a partial unique index, so two
// coordinators (or a retried trigger) can never start the same job twice.
import { StateMigration } from './state-migration';

export const initialStateMigration: StateMigration = {
  id: 1,
  name: 'initial-state',
  up: `
    CREATE TABLE qupersync_jobs (
      name text PRIMARY KEY,
      definition jsonb NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE TABLE qupersync_runs (
      id uuid PRIMARY KEY,
      job text NOT NULL,
      mode text NOT NULL CHECK (mode IN ('full', 'incremental')),
      status text NOT NULL CHECK (status IN ('pending', 'extracting', 'loading', 'succeeded', 'failed')),
      trigger_source text NOT NULL,
      request_key text,
      from_cursor jsonb,
      high_cursor jsonb,
      total_batches integer,
      batches_loaded integer NOT NULL DEFAULT 0,
      batches_failed integer NOT NULL DEFAULT 0,
      rows_extracted bigint NOT NULL DEFAULT 0,
      rows_loaded bigint NOT NULL DEFAULT 0,
      rows_dead_lettered bigint NOT NULL DEFAULT 0,
      error text,
      created_at timestamptz NOT NULL DEFAULT now(),
      finished_at timestamptz,
      last_progress_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE UNIQUE INDEX qupersync_runs_one_active_per_job ON qupersync_runs (job)
      WHERE status IN ('pending', 'extracting', 'loading');
    CREATE INDEX qupersync_runs_job_created ON qupersync_runs (job, created_at DESC);
    CREATE TABLE qupersync_trigger_requests (
      request_key text PRIMARY KEY,
      job text NOT NULL,
      run_id uuid NOT NULL,
      coalesced boolean NOT NULL,
      received_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE TABLE qupersync_batches (
      run_id uuid NOT NULL REFERENCES qupersync_runs (id) ON DELETE CASCADE,
      sequence integer NOT NULL,
      status text NOT NULL CHECK (status IN ('extracted', 'transformed', 'loaded', 'failed')),
      row_count integer NOT NULL DEFAULT 0,
      rows_written integer NOT NULL DEFAULT 0,
      rows_dead_lettered integer NOT NULL DEFAULT 0,
      cursor_from jsonb,
      cursor_to jsonb,
      error text,
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (run_id, sequence)
    );
    CREATE TABLE qupersync_applied_events (
      event_id text PRIMARY KEY,
      run_id uuid NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE TABLE qupersync_state (
      id bigserial PRIMARY KEY,
      job text NOT NULL,
      kind text NOT NULL CHECK (kind IN ('watermark', 'batch_failure')),
      run_id uuid,
      batch_sequence integer,
      kafka_topic text,
      kafka_partition integer,
      kafka_offset text,
      watermark jsonb,
      error_code text,
      error text,
      recorded_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE UNIQUE INDEX qupersync_state_one_watermark_per_job ON qupersync_state (job) WHERE kind = 'watermark';
    CREATE INDEX qupersync_state_failures_by_job ON qupersync_state (job, recorded_at DESC) WHERE kind = 'batch_failure';
  `,
  down: `
    DROP TABLE qupersync_state;
    DROP TABLE qupersync_applied_events;
    DROP TABLE qupersync_batches;
    DROP TABLE qupersync_trigger_requests;
    DROP TABLE qupersync_runs;
    DROP TABLE qupersync_jobs;
  `,
};
