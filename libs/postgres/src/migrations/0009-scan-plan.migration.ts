// How a run's extraction read the source, and what it cost the warehouse: the plan the extractor
// chose (sort-key ranges, or one scan split only as the result-size limit requires) and the rows
// the warehouse's scans read for it (STL_SCAN), so a run that reads a table many times over shows.
import { StateMigration } from './state-migration';

export const scanPlanMigration: StateMigration = {
  id: 9,
  name: 'scan-plan',
  up: `ALTER TABLE qupersync_runs
         ADD COLUMN scan_plan text,
         ADD COLUMN rows_scanned bigint;`,
  down: `ALTER TABLE qupersync_runs DROP COLUMN scan_plan, DROP COLUMN rows_scanned;`,
};
