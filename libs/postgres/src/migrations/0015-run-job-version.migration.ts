// A run remembers the version of its job's definition it was started under (the hash its extract
// request carries, JobCatalog): the coordinator ends the run by that definition, even after the
// jobs file was reloaded with another one, so a changed watermark column never labels cursor
// values of the old one, and a removed job's run finishes by the definition it began with.
import { StateMigration } from './state-migration';

export const runJobVersionMigration: StateMigration = {
  id: 15,
  name: 'run-job-version',
  up: `ALTER TABLE qupersync_runs ADD COLUMN job_version text;`,
  down: `ALTER TABLE qupersync_runs DROP COLUMN job_version;`,
};
