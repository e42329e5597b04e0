// Carries deletes to the target after a full run (issue 15, `deletes: hard | soft`). Once every
// batch of a full run is loaded the run enters `deleting`: its fence is closed (no batch writes
// any more) and it still holds its job (no other run starts). A key-only verify then finds the
// target keys the source no longer has, and they are deleted (or stamped `_qupersync_deleted_at`)
// in bounded statements, each in a transaction that holds the run's row, so a cancel waits for
// the statement in flight and the next one sees the run ended and stops. Only then does the run
// succeed; a failed run never deletes. A coordinator that dies here resumes the pass at start-up:
// deleting is idempotent.
import { Injectable } from '@nestjs/common';
import { JobDefinition, quoteQualifiedName } from '@qupersync/config';
import { QuperSyncError } from '@qupersync/contracts';
import { JsonLogger } from '@qupersync/observability';
import { PostgresDatabase } from '@qupersync/postgres';
import { RunRecord, RunStateRepository } from '../run-state.repository';
import { TableVerifier, VerifyReport } from '../verify/table-verifier.service';

/** Keys one comparison hands over at most; more are found by comparing again after they went. */
const keysPerPass = 100_000;
/** Keys per transaction: a cancel waits for at most one of these. */
const keysPerTransaction = 5_000;

export interface DeletesOutcome {
  readonly rowsDeleted: number;
  /** False when the run ended (cancelled, failed) while deleting: the rest was left alone. */
  readonly completed: boolean;
}

@Injectable()
export class TargetDeletes {
  private readonly logger = new JsonLogger(TargetDeletes.name);

  constructor(
    private readonly verifier: TableVerifier,
    private readonly repository: RunStateRepository,
    private readonly database: PostgresDatabase,
  ) {}

  /**
   * Deletes the target rows whose key the source lacks, for a run in `deleting`, by `job` (the
   * run's own definition). Refuses (DELETES_REFUSED, the run fails) a pass that would remove more
   * than max_deleted_share of the target, and a pass that removes fewer rows than it found.
   */
  async apply(run: RunRecord, job: JobDefinition): Promise<DeletesOutcome> {
    // A target no run has created yet has nothing to delete (a reconcile schedule before the first sync).
    const [target] = await this.database.query<{ exists: boolean }>(
      'SELECT to_regclass($1) IS NOT NULL AS exists',
      [quoteQualifiedName(job.targetTable)],
    );
    if (target?.exists !== true) return { rowsDeleted: 0, completed: true };
    let rowsDeleted = 0;
    for (;;) {
      const { report, extraKeys } = await this.verifier.verify(job.name, keysPerPass, {
        keysOnly: true,
        job,
      });
      await this.repository.touchRun(run.id);
      refuseImplausible(job, report);
      this.logger.info('target keys the source lacks', {
        job: job.name,
        runId: run.id,
        extra: report.extra,
        rowsSource: report.rowsSource,
        rowsTarget: report.rowsTarget,
        seconds: report.seconds,
      });
      for (let start = 0; start < extraKeys.length; start += keysPerTransaction) {
        const keys = extraKeys.slice(start, start + keysPerTransaction);
        const still = await this.database.withTransaction(async (client) => {
          const current = await this.repository.lockRun(client, run.id);
          if (current?.status !== 'deleting') return false;
          const deleted = await this.verifier.deleteKeys(job.name, keys, client, job);
          // Every key found was in the target a moment ago, and only this run writes it now: a
          // shortfall means the key's text does not name the row (and comparing again would loop).
          if (deleted < keys.length && job.deletes === 'hard')
            throw new QuperSyncError(
              'DELETES_REFUSED',
              'permanent',
              `deletes stopped: ${keys.length} target keys the source lacks matched only ${deleted} rows when deleted (a key that does not print back to its value?); first key ${JSON.stringify(keys[0])}`,
            );
          await this.repository.addRowsDeleted(client, run.id, deleted);
          rowsDeleted += deleted;
          return true;
        });
        if (!still) {
          this.logger.warn('run ended while deleting; the remaining keys were left alone', {
            job: job.name,
            runId: run.id,
            rowsDeleted,
          });
          return { rowsDeleted, completed: false };
        }
      }
      if (report.extra <= extraKeys.length) return { rowsDeleted, completed: true };
    }
  }
}

/**
 * What no plausible delete pass looks like: more of the target going than the job allows (a
 * source that came back empty, a lost grant, a view that filters everything), or every source key
 * missing from the target as well (the two sides print keys differently).
 */
function refuseImplausible(job: JobDefinition, report: VerifyReport): void {
  if (report.extra === 0) return;
  const share = report.extra / Math.max(1, report.rowsTarget);
  if (share > job.maxDeletedShare)
    throw new QuperSyncError(
      'DELETES_REFUSED',
      'permanent',
      `deletes refused: ${report.extra} of ${report.rowsTarget} target rows (${(share * 100).toFixed(1)} %) would go, above max_deleted_share ${job.maxDeletedShare}; the source has ${report.rowsSource} rows now. Check the source, or raise max_deleted_share`,
    );
  if (report.rowsSource > 0 && report.missing === report.rowsSource)
    throw new QuperSyncError(
      'DELETES_REFUSED',
      'permanent',
      `deletes refused: none of the source's ${report.rowsSource} keys is in the target, so the two sides do not print keys alike`,
    );
}
