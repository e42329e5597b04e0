// Keeps runs moving: on start-up it resumes open runs from the database (re-publishing extract
// requests of runs that never got one out), fails runs with no progress for too long, and fires
// cron schedules. Schedule triggers use a request key per fire time, so two coordinators or a
// restart never start the same scheduled run twice.
import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { CronExpressionParser } from 'cron-parser';
import { JobCatalog } from '@qupersync/config';
import { describeError } from '@qupersync/contracts';
import { JsonLogger, SystemClock } from '@qupersync/observability';
import { PostgresDatabase } from '@qupersync/postgres';
import { COORDINATOR_SETTINGS, CoordinatorSettings } from './coordinator.settings';
import { RunLifecycleService } from './run-lifecycle.service';
import { RunStateRepository } from './run-state.repository';

const tickMs = 5_000;

@Injectable()
export class RunSupervisorService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new JsonLogger(RunSupervisorService.name);
  private timer: NodeJS.Timeout | undefined;
  private readonly nextFire = new Map<string, Date>();
  private ticking = false;

  constructor(
    @Inject(COORDINATOR_SETTINGS) private readonly settings: CoordinatorSettings,
    private readonly jobs: JobCatalog,
    private readonly lifecycle: RunLifecycleService,
    private readonly repository: RunStateRepository,
    private readonly database: PostgresDatabase,
    private readonly clock: SystemClock,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.resumeOpenRuns();
    for (const job of this.jobs.jobs) {
      if (job.schedule !== undefined)
        this.nextFire.set(job.name, this.nextFireAfter(job.schedule, this.clock.now()));
    }
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
      } else {
        await this.database.withTransaction((client) => this.lifecycle.completeIfDone(client, run.id));
        await this.lifecycle.startPromotedRun(run.job);
      }
    }
  }

  private async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      await this.failStalledRuns();
      await this.fireSchedules();
    } catch (error) {
      this.logger.warn('supervisor tick failed', { error: describeError(error) });
    } finally {
      this.ticking = false;
    }
  }

  private async failStalledRuns(): Promise<void> {
    const now = this.clock.nowMs();
    for (const run of await this.repository.activeRuns()) {
      if (now - run.lastProgressAt.getTime() > this.settings.runStallTimeoutMs) {
        await this.lifecycle.failRun(
          run.id,
          `no progress for ${Math.round(this.settings.runStallTimeoutMs / 1000)}s (stalled)`,
        );
      }
    }
  }

  private async fireSchedules(): Promise<void> {
    const now = this.clock.now();
    for (const job of this.jobs.jobs) {
      const due = this.nextFire.get(job.name);
      if (job.schedule === undefined || due === undefined || due > now) continue;
      this.nextFire.set(job.name, this.nextFireAfter(job.schedule, now));
      await this.lifecycle.trigger({
        job: job.name,
        mode: null,
        requestKey: `schedule:${job.name}:${due.toISOString()}`,
        source: 'schedule',
      });
    }
  }

  private nextFireAfter(schedule: string, after: Date): Date {
    return CronExpressionParser.parse(schedule, { currentDate: after, tz: 'UTC' }).next().toDate();
  }
}
