// The jobs of this deployment, loaded once from QUPERSYNC_JOBS_FILE at start-up.
import { JobDefinition } from './job-definition.schema';

export class JobCatalog {
  private readonly jobsByName: ReadonlyMap<string, JobDefinition>;

  constructor(readonly jobs: readonly JobDefinition[]) {
    this.jobsByName = new Map(jobs.map((job) => [job.name, job]));
  }

  find(name: string): JobDefinition | undefined {
    return this.jobsByName.get(name);
  }
}
