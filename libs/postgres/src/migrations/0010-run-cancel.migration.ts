// An operator can cancel a run (`qupersync cancel <run>`): it ends as 'cancelled', its fence
// closes so in-flight batches are dropped, and the watermark stays where it was.
import { StateMigration } from './state-migration';

export const runCancelMigration: StateMigration = {
  id: 10,
  name: 'run-cancel',
  up: `
    ALTER TABLE qupersync_runs DROP CONSTRAINT qupersync_runs_status_check;
    ALTER TABLE qupersync_runs ADD CONSTRAINT qupersync_runs_status_check
      CHECK (status IN ('queued', 'pending', 'extracting', 'loading', 'succeeded', 'failed', 'cancelled'));
  `,
  down: `
    UPDATE qupersync_runs SET status = 'failed', error = COALESCE(error, 'cancelled')
      WHERE status = 'cancelled';
    ALTER TABLE qupersync_runs DROP CONSTRAINT qupersync_runs_status_check;
    ALTER TABLE qupersync_runs ADD CONSTRAINT qupersync_runs_status_check
      CHECK (status IN ('queued', 'pending', 'extracting', 'loading', 'succeeded', 'failed'));
  `,
};
