// A run succeeds only when every extracted row is accounted for: loaded, invalid (refused by the
// entity's rules in the transformer) or rejected (refused by the target database in the loader).
// The two dead-letter counts were one column, merged with GREATEST, so a run could hide rows.
// rows_reported is the extractor's own total from extraction_completed, checked against the sum;
// rows_stale counts rows of fenced batches (other attempts, ended runs, replays), kept apart.
import { StateMigration } from './state-migration';

export const rowAccountingMigration: StateMigration = {
  id: 3,
  name: 'row-accounting',
  up: `
    ALTER TABLE qupersync_batches
      ADD COLUMN rows_invalid integer NOT NULL DEFAULT 0,
      ADD COLUMN rows_rejected integer NOT NULL DEFAULT 0;
    ALTER TABLE qupersync_runs
      ADD COLUMN rows_invalid bigint NOT NULL DEFAULT 0,
      ADD COLUMN rows_rejected bigint NOT NULL DEFAULT 0,
      ADD COLUMN rows_stale bigint NOT NULL DEFAULT 0,
      ADD COLUMN rows_reported bigint;
  `,
  down: `
    ALTER TABLE qupersync_runs DROP COLUMN rows_invalid, DROP COLUMN rows_rejected,
      DROP COLUMN rows_stale, DROP COLUMN rows_reported;
    ALTER TABLE qupersync_batches DROP COLUMN rows_invalid, DROP COLUMN rows_rejected;
  `,
};
