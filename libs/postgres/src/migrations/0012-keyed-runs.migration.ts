// Keyed runs (`qupersync replay`): a run can re-extract a fixed list of primary keys instead of
// a whole table or a watermark window. The keys live on the run, so a repeated extract request
// (the supervisor resends one after a coordinator restart) asks for the same rows. A dead letter
// remembers the run that replays it; `replayed_at` is set only when that run succeeds.
import { StateMigration } from './state-migration';

export const keyedRunsMigration: StateMigration = {
  id: 12,
  name: 'keyed-runs',
  up: `
    ALTER TABLE qupersync_runs ADD COLUMN keys jsonb;
    ALTER TABLE qupersync_dead_letters ADD COLUMN replay_run_id uuid;
    CREATE INDEX qupersync_dead_letters_replay_run ON qupersync_dead_letters (replay_run_id)
      WHERE replay_run_id IS NOT NULL;
  `,
  down: `
    DROP INDEX qupersync_dead_letters_replay_run;
    ALTER TABLE qupersync_dead_letters DROP COLUMN replay_run_id;
    ALTER TABLE qupersync_runs DROP COLUMN keys;
  `,
};
