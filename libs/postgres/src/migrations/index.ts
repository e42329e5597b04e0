import { initialStateMigration } from './0001-initial-state.migration';
import { StateMigration } from './state-migration';

export type { StateMigration } from './state-migration';

/** Every migration, in order. Append only. */
export const stateMigrations: readonly StateMigration[] = [initialStateMigration];
