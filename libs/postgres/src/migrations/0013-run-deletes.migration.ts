// Deletes carried to the target (issue 15): after a full run has loaded every batch, a job with
// `deletes: hard | soft` removes (or stamps) target rows whose key the source no longer has. The
// run stays active while it does, in its own status `deleting`, so no other run of the job starts
// and the run succeeds only once the deletes are done; rows_deleted counts them.
import { StateMigration } from './state-migration';

export const runDeletesMigration: StateMigration = {
  id: 13,
  name: 'run-deletes',
  up: `
    ALTER TABLE qupersync_runs ADD COLUMN rows_deleted bigint NOT NULL DEFAULT 0;
    ALTER TABLE qupersync_runs DROP CONSTRAINT qupersync_runs_status_check;
    ALTER TABLE qupersync_runs ADD CONSTRAINT qupersync_runs_status_check
      CHECK (status IN ('queued', 'pending', 'extracting', 'loading', 'deleting', 'succeeded', 'failed', 'cancelled'));
    DROP INDEX qupersync_runs_one_active_per_job;
    CREATE UNIQUE INDEX qupersync_runs_one_active_per_job ON qupersync_runs (job)
      WHERE status IN ('pending', 'extracting', 'loading', 'deleting');
  `,
  down: `
    UPDATE qupersync_runs SET status = 'failed', error = 'deletes interrupted by a migration down',
      finished_at = now() WHERE status = 'deleting';
    DROP INDEX qupersync_runs_one_active_per_job;
    CREATE UNIQUE INDEX qupersync_runs_one_active_per_job ON qupersync_runs (job)
      WHERE status IN ('pending', 'extracting', 'loading');
    ALTER TABLE qupersync_runs DROP CONSTRAINT qupersync_runs_status_check;
    ALTER TABLE qupersync_runs ADD CONSTRAINT qupersync_runs_status_check
      CHECK (status IN ('queued', 'pending', 'extracting', 'loading', 'succeeded', 'failed', 'cancelled'));
    ALTER TABLE qupersync_runs DROP COLUMN rows_deleted;
  `,
};
