// Keeps runs moving: on start-up it resumes open runs from the database (re-publishing extract
// requests of runs that never got one out, carrying out deletes and verifies again), fails runs
// with no progress for too long, and fires cron schedules (triggers, verify and reconcile runs). Schedule triggers use a request key per fire time, so two coordinators or a
// restart never start the same scheduled run twice. Both stall detection and schedules go by the
// database's clock, not this process's: a coordinator whose clock runs ahead neither fails
// healthy runs nor fires schedules early. A scheduled trigger that fails (the database away, say)
// is retried on the next tick with the same key, never skipped.
import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { JobCatalog } from '@qupersync/config';
import { describeError } from '@qupersync/contracts';
import { JsonLogger } from '@qupersync/observability';
import { PostgresDatabase } from '@qupersync/postgres';
import { COORDINATOR_SETTINGS, CoordinatorSettings } from './coordinator.settings';
import { DeadLetterRepository } from './dead-letter.repository';
import { RunLifecycleService } from './run-lifecycle.service';
import { RunStateRepository } from './run-state.repository';
import { ScheduleBook } from './schedule.book';

const tickMs = 5_000;
/** How long a run may stay `pending` before its extract request is sent again. */
const unsentAfterMs = 10_000;

@Injectable()
export class RunSupervisorService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new JsonLogger(RunSupervisorService.name);
  private timer: NodeJS.Timeout | undefined;
  private readonly schedules = new ScheduleBook();
  private ticking = false;

  constructor(
    @Inject(COORDINATOR_SETTINGS) private readonly settings: CoordinatorSettings,
    private readonly jobs: JobCatalog,
    private readonly lifecycle: RunLifecycleService,
    private readonly repository: RunStateRepository,
    private readonly database: PostgresDatabase,
    private readonly deadLetters: DeadLetterRepository,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.resumeOpenRuns();
    this.timer = setInterval(() => void this.tick(), tickMs);
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private async resumeOpenRuns(): Promise<void> {
    await this.repository.promoteOrphanedQueuedRuns();
    for (const run of await this.repository.activeRuns()) {
      if (run.status === 'pending') {
        this.logger.info('resuming run: re-requesting extraction', { job: run.job, runId: run.id });
        await this.lifecycle.requestExtraction(run);
      } else if (run.status === 'deleting') {
        this.logger.info('resuming run: carrying out its deletes', { job: run.job, runId: run.id });
        this.lifecycle.startDeletes(run);
      } else if (run.status === 'verifying') {
        this.logger.info('resuming run: verifying again', { job: run.job, runId: run.id });
        this.lifecycle.startVerify(run);
      } else {
        await this.database.withTransaction((client) => this.lifecycle.completeIfDone(client, run.id));
        // Every batch was in before the restart: the run may have just entered its deletes.
        const after = await this.repository.findRun(run.id);
        if (after?.status === 'deleting') this.lifecycle.startDeletes(after);
        await this.lifecycle.startPromotedRun(run.job);
      }
    }
  }

  private async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      await this.failStalledRuns();
      await this.sendUnsentRequests();
      await this.fireSchedules();
      await this.pruneDeadLetters();
    } catch (error) {
      this.logger.warn('supervisor tick failed', { error: describeError(error) });
    } finally {
      this.ticking = false;
    }
  }

  /** Dead letters past their retention leave the table, a bounded batch per tick. */
  private async pruneDeadLetters(): Promise<void> {
    const deleted = await this.deadLetters.prune(this.settings.deadLetterRetentionDays);
    if (deleted > 0)
      this.logger.info('dead letters past their retention deleted', {
        deleted,
        retentionDays: this.settings.deadLetterRetentionDays,
      });
  }

  /** A run left `pending` (its extract request's send failed, or a promoted follow-up's) is sent again. */
  private async sendUnsentRequests(): Promise<void> {
    for (const run of await this.repository.unsentRuns(unsentAfterMs)) {
      this.logger.warn('extract request never went out; sending it again', { job: run.job, runId: run.id });
      await this.lifecycle.requestExtraction(run);
    }
  }

  private async failStalledRuns(): Promise<void> {
    for (const run of await this.repository.stalledRuns(this.settings.runStallTimeoutMs)) {
      await this.lifecycle.failRun(
        run.id,
        `no progress for ${Math.round(this.settings.runStallTimeoutMs / 1000)}s (stalled)`,
      );
    }
  }

  /** Fires every schedule that is due by the database's clock. */
  async fireSchedules(): Promise<void> {
    const now = await this.repository.databaseNow();
    await this.fireCheckSchedules(now);
    for (const job of this.jobs.jobs) {
      if (job.schedule === undefined) continue;
      const due = this.schedules.dueAt(job.name, job.schedule, now);
      if (due === undefined) continue;
      try {
        await this.lifecycle.trigger({
          job: job.name,
          mode: null,
          requestKey: `schedule:${job.name}:${due.toISOString()}`,
          source: 'schedule',
        });
      } catch (error) {
        // Kept due: the next tick tries the same fire time (same key) again.
        this.logger.warn('scheduled trigger failed; retrying on the next tick', {
          job: job.name,
          due: due.toISOString(),
          error: describeError(error),
        });
        continue;
      }
      this.schedules.fired(job.name, job.schedule, now);
    }
  }

  /**
   * verify_schedule and reconcile_schedule: a due check starts a run of its own, keyed by its fire
   * time. While the job has a run the check stays due and is tried on the next tick: comparing
   * while batches load would report their rows as differences.
   */
  private async fireCheckSchedules(now: Date): Promise<void> {
    for (const job of this.jobs.jobs) {
      for (const [kind, schedule] of [
        ['verify', job.verifySchedule],
        ['reconcile', job.reconcileSchedule],
      ] as const) {
        if (schedule === undefined) continue;
        const bookKey = `${kind}:${job.name}`;
        const due = this.schedules.dueAt(bookKey, schedule, now);
        if (due === undefined) continue;
        let outcome: 'started' | 'busy' | 'seen';
        try {
          outcome = await this.lifecycle.startCheckRun(
            job.name,
            kind,
            `${kind}-schedule:${job.name}:${due.toISOString()}`,
          );
        } catch (error) {
          this.logger.warn('scheduled check failed to start; retrying on the next tick', {
            job: job.name,
            kind,
            due: due.toISOString(),
            error: describeError(error),
          });
          continue;
        }
        if (outcome !== 'busy') this.schedules.fired(bookKey, schedule, now);
      }
    }
  }
}
