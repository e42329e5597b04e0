// `qupersync jobs reload` and the coordinator's SIGHUP: reads the jobs file again and makes it
// current here. A run carries the version of its job's definition in its messages, so the other
// services pick the new file up by themselves: an extract request or batch of a version they have
// not seen makes them read the file again (or SIGHUP them), and a run that started before the
// reload finishes with the definition it started with, everywhere. A removed job can no longer be
// triggered; its active run either finishes (the default) or is cancelled, as the operator says,
// and a follow-up queued behind it is cancelled either way (it would start with no definition).
import { Injectable } from '@nestjs/common';
import { JobCatalog, JobsReload } from '@qupersync/config';
import { JsonLogger } from '@qupersync/observability';
import { RunLifecycleService } from './run-lifecycle.service';
import { RunStateRepository } from './run-state.repository';

export type RemovedJobRuns = 'finish' | 'cancel';

export interface JobsReloadReport extends JobsReload {
  /** Active runs of removed jobs that go on to their end. */
  readonly runsFinishing: readonly string[];
  /** Runs of removed jobs cancelled: active ones when asked, queued follow-ups always. */
  readonly runsCancelled: readonly string[];
}

@Injectable()
export class JobsReloadService {
  private readonly logger = new JsonLogger(JobsReloadService.name);

  constructor(
    private readonly jobs: JobCatalog,
    private readonly repository: RunStateRepository,
    private readonly lifecycle: RunLifecycleService,
  ) {}

  /** Throws the file's problems (ConfigurationError) and changes nothing when it is invalid. */
  async reload(removedRuns: RemovedJobRuns): Promise<JobsReloadReport> {
    const reload = this.jobs.reload();
    const runsFinishing: string[] = [];
    const runsCancelled: string[] = [];
    for (const job of reload.removed) {
      for (const run of await this.repository.listRuns(job, 20)) {
        const queued = run.status === 'queued';
        if (!queued && !(await this.isActive(run.id))) continue;
        if (queued || removedRuns === 'cancel') {
          const outcome = await this.lifecycle.cancelRun(run.id);
          if (outcome?.cancelled === true) runsCancelled.push(run.id);
        } else runsFinishing.push(run.id);
      }
    }
    const report = { ...reload, runsFinishing, runsCancelled };
    this.logger.info('jobs file reloaded', { ...report, removedRuns });
    return report;
  }

  private async isActive(runId: string): Promise<boolean> {
    return (await this.repository.activeRuns()).some((run) => run.id === runId);
  }
}
