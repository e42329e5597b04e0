// Scheduled checks recorded like runs (issue 15): verify_schedule starts runs of mode `verify`
// (status `verifying` while the comparison runs, succeeded when the tables are equal, failed with
// the counts otherwise; the report is kept in verify_report), and reconcile_schedule starts runs
// of mode `reconcile`, which only delete the keys the source lost (status `deleting`). Both hold
// their job while they run, so no load interleaves with the comparison.
import { StateMigration } from './state-migration';

export const checkRunsMigration: StateMigration = {
  id: 14,
  name: 'check-runs',
  up: `
    ALTER TABLE qupersync_runs ADD COLUMN verify_report jsonb;
    ALTER TABLE qupersync_runs DROP CONSTRAINT qupersync_runs_mode_check;
    ALTER TABLE qupersync_runs ADD CONSTRAINT qupersync_runs_mode_check
      CHECK (mode IN ('full', 'incremental', 'verify', 'reconcile'));
    ALTER TABLE qupersync_runs DROP CONSTRAINT qupersync_runs_status_check;
    ALTER TABLE qupersync_runs ADD CONSTRAINT qupersync_runs_status_check
      CHECK (status IN ('queued', 'pending', 'extracting', 'loading', 'deleting', 'verifying', 'succeeded', 'failed', 'cancelled'));
    DROP INDEX qupersync_runs_one_active_per_job;
    CREATE UNIQUE INDEX qupersync_runs_one_active_per_job ON qupersync_runs (job)
      WHERE status IN ('pending', 'extracting', 'loading', 'deleting', 'verifying');
  `,
  down: `
    DELETE FROM qupersync_trigger_requests WHERE run_id IN (
      SELECT id FROM qupersync_runs WHERE mode IN ('verify', 'reconcile'));
    DELETE FROM qupersync_runs WHERE mode IN ('verify', 'reconcile');
    DROP INDEX qupersync_runs_one_active_per_job;
    CREATE UNIQUE INDEX qupersync_runs_one_active_per_job ON qupersync_runs (job)
      WHERE status IN ('pending', 'extracting', 'loading', 'deleting');
    ALTER TABLE qupersync_runs DROP CONSTRAINT qupersync_runs_status_check;
    ALTER TABLE qupersync_runs ADD CONSTRAINT qupersync_runs_status_check
      CHECK (status IN ('queued', 'pending', 'extracting', 'loading', 'deleting', 'succeeded', 'failed', 'cancelled'));
    ALTER TABLE qupersync_runs DROP CONSTRAINT qupersync_runs_mode_check;
    ALTER TABLE qupersync_runs ADD CONSTRAINT qupersync_runs_mode_check
      CHECK (mode IN ('full', 'incremental'));
    ALTER TABLE qupersync_runs DROP COLUMN verify_report;
  `,
};
