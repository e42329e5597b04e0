// `qupersync status` and GET /status: is each pipeline service up (its consumer group has
// members), how far behind is it (consumer lag per group), and how did each job's last run end.
// One admin connection to the broker and one query per job; nothing is cached, so the answer is
// the broker's and the database's as of the call.
import { Injectable } from '@nestjs/common';
import { JobCatalog } from '@qupersync/config';
import {
  consumedTopics,
  consumerGroups,
  KafkaGateway,
  PipelineService,
  pipelineServices,
} from '@qupersync/kafka';
import { SystemClock } from '@qupersync/observability';
import { RunStateRepository } from './run-state.repository';
import { RunSummary, toRunSummary } from './run-summary.presenter';

export interface ServiceStatus {
  readonly service: PipelineService;
  readonly groupId: string;
  /** At least one member in the service's consumer group. */
  readonly up: boolean;
  readonly members: number;
  readonly state: string;
  /** Records the group has not yet committed, over every topic it reads. */
  readonly lag: number;
  readonly topics: ReadonlyArray<{ readonly topic: string; readonly lag: number }>;
}

export interface JobStatus {
  readonly job: string;
  readonly activeRunId: string | null;
  readonly lastRun: RunSummary | null;
}

export interface PipelineStatus {
  /** Every service is up. */
  readonly healthy: boolean;
  readonly services: readonly ServiceStatus[];
  readonly jobs: readonly JobStatus[];
  readonly checkedAt: string;
}

@Injectable()
export class PipelineStatusService {
  constructor(
    private readonly kafka: KafkaGateway,
    private readonly repository: RunStateRepository,
    private readonly jobs: JobCatalog,
    private readonly clock: SystemClock,
  ) {}

  async status(): Promise<PipelineStatus> {
    const groups = await this.kafka.consumerGroupStatus(
      pipelineServices.map((service) => ({
        groupId: consumerGroups[service],
        topics: consumedTopics[service],
      })),
    );
    const services = pipelineServices.map((service): ServiceStatus => {
      const groupId = consumerGroups[service];
      const group = groups.find((candidate) => candidate.groupId === groupId);
      const topics = group?.topics ?? [];
      return {
        service,
        groupId,
        up: (group?.members ?? 0) > 0,
        members: group?.members ?? 0,
        state: group?.state ?? 'Unknown',
        lag: topics.reduce((total, topic) => total + topic.lag, 0),
        topics,
      };
    });
    const active = new Map((await this.repository.activeRuns()).map((run) => [run.job, run.id]));
    const now = this.clock.nowMs();
    const jobs = await Promise.all(
      this.jobs.jobs.map(async (job): Promise<JobStatus> => {
        const [last] = await this.repository.listRuns(job.name, 1);
        return {
          job: job.name,
          activeRunId: active.get(job.name) ?? null,
          lastRun: last === undefined ? null : toRunSummary(last, now),
        };
      }),
    );
    return {
      healthy: services.every((service) => service.up),
      services,
      jobs,
      checkedAt: new Date(now).toISOString(),
    };
  }
}
