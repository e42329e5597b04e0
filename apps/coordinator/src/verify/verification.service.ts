// verify and verify --repair (issue 15): a verify reports the differences; a repair re-syncs
// exactly the missing and different keys through keyed runs (fenced and counted like any run, at
// most maxKeysPerRun keys each, one after the other), deletes the extra target keys when the job
// says `deletes: hard` (stamps them under `soft`, keeps and reports them under `none`), and then
// verifies again.
import { Injectable } from '@nestjs/common';
import { JobCatalog } from '@qupersync/config';
import { maxKeysPerRun, QuperSyncError } from '@qupersync/contracts';
import { JsonLogger } from '@qupersync/observability';
import { RunLifecycleService } from '../run-lifecycle.service';
import { RunRecord, RunStateRepository } from '../run-state.repository';
import { TableVerifier, VerifyReport } from './table-verifier.service';

/** Keys one repair re-syncs at most; a larger difference is repaired by running it again. */
const maxRepairKeys = 100_000;
const runPollMs = 250;
const runDeadlineMs = 60 * 60_000;

export interface RepairRun {
  readonly runId: string;
  readonly status: string;
  readonly keys: number;
  readonly rowsLoaded: number;
  readonly error: string | null;
}

export interface Verification extends VerifyReport {
  /** What --repair did: the verify before it, its keyed runs, and the extra keys it kept. */
  readonly repair: {
    readonly before: VerifyReport;
    readonly runs: readonly RepairRun[];
    readonly keysResynced: number;
    /** Extra target keys deleted (deletes: hard) or stamped deleted (deletes: soft). */
    readonly extraDeleted: number;
    readonly extraKept: number;
    /**
     * Why the repair did not cover every difference it found (a run failed, a trigger got in, more
     * differences than one repair takes), or null.
     */
    readonly stoppedBecause: string | null;
    /**
     * Missing, different and extra keys this repair found but did not take because one repair
     * takes at most maxRepairKeys of each: above 0, `verify --repair` again takes the rest.
     */
    readonly keysLeft: number;
  } | null;
}

/** What a repair that took `resyncKeys` and `extraKeys` of `report`'s differences left of each kind. */
function repairShortfall(
  report: VerifyReport,
  resyncKeys: number,
  extraKeys: number,
): { readonly toResync: number; readonly resyncLeft: number; readonly extraLeft: number } {
  const toResync = report.missing + report.different;
  return {
    toResync,
    resyncLeft: Math.max(0, toResync - resyncKeys),
    extraLeft: Math.max(0, report.extra - extraKeys),
  };
}

/** The keys a repair that took `resyncKeys` and `extraKeys` of `report`'s differences left. */
export function repairKeysLeft(report: VerifyReport, resyncKeys: number, extraKeys: number): number {
  const { resyncLeft, extraLeft } = repairShortfall(report, resyncKeys, extraKeys);
  return resyncLeft + extraLeft;
}

/**
 * One repair takes at most maxRepairKeys keys of each kind; more differences than that are left
 * for the next `verify --repair`, which must be said, not left to the after-verify to show.
 */
export function repairCapNote(report: VerifyReport, resyncKeys: number, extraKeys: number): string | null {
  const { toResync, resyncLeft, extraLeft } = repairShortfall(report, resyncKeys, extraKeys);
  const capped: string[] = [];
  if (resyncLeft > 0) capped.push(`re-synced ${resyncKeys} of ${toResync} missing or different keys`);
  if (extraLeft > 0) capped.push(`took ${extraKeys} of ${report.extra} extra keys`);
  if (capped.length === 0) return null;
  return `${capped.join(' and ')} (one repair takes at most ${maxRepairKeys} of each); run verify --repair again for the rest`;
}

@Injectable()
export class VerificationService {
  private readonly logger = new JsonLogger(VerificationService.name);

  constructor(
    private readonly verifier: TableVerifier,
    private readonly lifecycle: RunLifecycleService,
    private readonly repository: RunStateRepository,
    private readonly jobs: JobCatalog,
  ) {}

  async verify(job: string, repair: boolean): Promise<Verification> {
    // A run loading meanwhile would show its rows as differences, and a repair would act on them.
    if (repair) await this.requireIdle(job);
    const first = await this.verifier.verify(job, repair ? maxRepairKeys : 0);
    this.lifecycle.recordVerifyDifferences(first.report);
    if (!repair || first.report.equal) return { ...first.report, repair: null };
    await this.requireIdle(job);
    const deletes = this.jobs.find(job)?.deletes ?? 'none';
    const deletesAllowed = deletes !== 'none';
    const extraDeleted =
      deletesAllowed && first.extraKeys.length > 0 ? await this.verifier.deleteKeys(job, first.extraKeys) : 0;
    const runs: RepairRun[] = [];
    let stoppedBecause: string | null = null;
    for (let start = 0; start < first.resyncKeys.length; start += maxKeysPerRun) {
      const keys = first.resyncKeys.slice(start, start + maxKeysPerRun);
      let run: RunRecord;
      try {
        run = await this.lifecycle.startKeyedRun({ job, keys, source: 'http' });
      } catch (error) {
        // A trigger's run got in between two repair runs: report what was done so far.
        if (!(error instanceof QuperSyncError) || error.code !== 'JOB_BUSY') throw error;
        stoppedBecause = error.message;
        break;
      }
      const ended = await this.waitForEnd(run.id);
      runs.push({
        runId: ended.id,
        status: ended.status,
        keys: keys.length,
        rowsLoaded: ended.rowsLoaded,
        error: ended.error,
      });
      if (ended.status !== 'succeeded') {
        stoppedBecause = `repair run ${ended.id} ${ended.status}`;
        break;
      }
    }
    // Under `deletes: none` extra keys are kept and counted, however many: none is left for later.
    const extraTaken = deletesAllowed ? first.extraKeys.length : first.report.extra;
    stoppedBecause ??= repairCapNote(first.report, first.resyncKeys.length, extraTaken);
    this.logger.info('repaired', { job, runs: runs.length, keys: first.resyncKeys.length });
    const after = await this.verifier.verify(job, 0);
    this.lifecycle.recordVerifyDifferences(after.report);
    return {
      ...after.report,
      repair: {
        before: first.report,
        runs,
        keysResynced: runs
          .filter((run) => run.status === 'succeeded')
          .reduce((total, run) => total + run.keys, 0),
        extraDeleted,
        extraKept: after.report.extra,
        stoppedBecause,
        keysLeft: repairKeysLeft(first.report, first.resyncKeys.length, extraTaken),
      },
    };
  }

  private async requireIdle(job: string): Promise<void> {
    const active = (await this.repository.activeRuns()).find((run) => run.job === job);
    if (active !== undefined)
      throw new QuperSyncError(
        'JOB_BUSY',
        'permanent',
        `job "${job}" has an active run ${active.id}; repair after it ends`,
      );
  }

  private async waitForEnd(
    runId: string,
  ): Promise<{ id: string; status: string; rowsLoaded: number; error: string | null }> {
    const deadline = Date.now() + runDeadlineMs;
    for (;;) {
      const run = await this.repository.findRun(runId);
      if (
        run !== undefined &&
        (run.status === 'succeeded' || run.status === 'failed' || run.status === 'cancelled')
      )
        return run;
      if (Date.now() > deadline) throw new Error(`repair run ${runId} did not end within an hour`);
      await new Promise((resolve) => setTimeout(resolve, runPollMs));
    }
  }
}
