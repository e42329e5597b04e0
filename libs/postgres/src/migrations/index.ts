import { initialStateMigration } from './0001-initial-state.migration';
import { extractionAttemptsMigration } from './0002-extraction-attempts.migration';
import { rowAccountingMigration } from './0003-row-accounting.migration';
import { runFencesMigration } from './0004-run-fences.migration';
import { runWarningsMigration } from './0005-run-warnings.migration';
import { triggerFollowUpsMigration } from './0006-trigger-follow-ups.migration';
import { cursorColumnsMigration } from './0007-cursor-columns.migration';
import { batchPartsMigration } from './0008-batch-parts.migration';
import { scanPlanMigration } from './0009-scan-plan.migration';
import { runCancelMigration } from './0010-run-cancel.migration';
import { deadLettersMigration } from './0011-dead-letters.migration';
import { keyedRunsMigration } from './0012-keyed-runs.migration';
import { runDeletesMigration } from './0013-run-deletes.migration';
import { checkRunsMigration } from './0014-check-runs.migration';
import { runJobVersionMigration } from './0015-run-job-version.migration';
import { StateMigration } from './state-migration';

export type { StateMigration } from './state-migration';

/** Every migration, in order. Append only. */
export const stateMigrations: readonly StateMigration[] = [
  initialStateMigration,
  extractionAttemptsMigration,
  rowAccountingMigration,
  runFencesMigration,
  runWarningsMigration,
  triggerFollowUpsMigration,
  cursorColumnsMigration,
  batchPartsMigration,
  scanPlanMigration,
  runCancelMigration,
  deadLettersMigration,
  keyedRunsMigration,
  runDeletesMigration,
  checkRunsMigration,
  runJobVersionMigration,
];
