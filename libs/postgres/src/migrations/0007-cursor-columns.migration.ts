// The watermark remembers the columns its values belong to ([watermark, ...primary key]), so a
// job whose primary_key or watermark changed is stopped with a clear error instead of comparing
// old values against new columns (and skipping or re-reading rows without a word).
import { StateMigration } from './state-migration';

export const cursorColumnsMigration: StateMigration = {
  id: 7,
  name: 'cursor-columns',
  up: `ALTER TABLE qupersync_state ADD COLUMN cursor_columns text[];`,
  down: `ALTER TABLE qupersync_state DROP COLUMN cursor_columns;`,
};
