// Warnings a run carries without failing: a target column the source no longer has keeps its
// values, and the operator must hear of it on the run, not only in a loader's log.
import { StateMigration } from './state-migration';

export const runWarningsMigration: StateMigration = {
  id: 5,
  name: 'run-warnings',
  up: `ALTER TABLE qupersync_runs ADD COLUMN warnings text[] NOT NULL DEFAULT '{}';`,
  down: `ALTER TABLE qupersync_runs DROP COLUMN warnings;`,
};
