// A redelivered extract request re-extracts a run as a new attempt with its own batches. Batches
// are tracked per attempt, and a run records the attempt that completed extraction, so the run
// completes on that attempt's batches only — never on a mix of two attempts' sequences.
import { StateMigration } from './state-migration';

export const extractionAttemptsMigration: StateMigration = {
  id: 2,
  name: 'extraction-attempts',
  up: `
    ALTER TABLE qupersync_batches ADD COLUMN extraction_id text NOT NULL DEFAULT '-';
    ALTER TABLE qupersync_batches DROP CONSTRAINT qupersync_batches_pkey;
    ALTER TABLE qupersync_batches ADD PRIMARY KEY (run_id, extraction_id, sequence);
    ALTER TABLE qupersync_runs ADD COLUMN extraction_id text;
  `,
  down: `
    ALTER TABLE qupersync_runs DROP COLUMN extraction_id;
    DELETE FROM qupersync_batches b USING qupersync_batches newer
      WHERE b.run_id = newer.run_id AND b.sequence = newer.sequence AND b.extraction_id < newer.extraction_id;
    ALTER TABLE qupersync_batches DROP CONSTRAINT qupersync_batches_pkey;
    ALTER TABLE qupersync_batches DROP COLUMN extraction_id;
    ALTER TABLE qupersync_batches ADD PRIMARY KEY (run_id, sequence);
  `,
};
