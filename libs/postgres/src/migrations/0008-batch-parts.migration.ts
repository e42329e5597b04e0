// A batch the transformer had to split to fit the broker arrives at the loaders in parts, each
// loaded in its own transaction and reported apart. The batch counts as loaded once all its parts
// are; their written and rejected rows add up.
import { StateMigration } from './state-migration';

export const batchPartsMigration: StateMigration = {
  id: 8,
  name: 'batch-parts',
  up: `ALTER TABLE qupersync_batches
         ADD COLUMN parts integer NOT NULL DEFAULT 1,
         ADD COLUMN parts_loaded integer NOT NULL DEFAULT 0;`,
  down: `ALTER TABLE qupersync_batches DROP COLUMN parts, DROP COLUMN parts_loaded;`,
};
