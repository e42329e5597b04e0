// The coordinator's HTTP API: jobs, runs with progress, failures, and the HTTP trigger.
import {
  Body,
  Controller,
  Get,
  HttpCode,
  HttpException,
  HttpStatus,
  Param,
  Post,
  Query,
  UseGuards,
} from '@nestjs/common';
import { z } from 'zod';
import { ConfigurationError, JobCatalog, quoteQualifiedName } from '@qupersync/config';
import { SystemClock } from '@qupersync/observability';
import { ApiTokenGuard } from './api-token.guard';
import { DeadLetterRepository, DeadLetterView } from './dead-letter.repository';
import { JobsReloadReport, JobsReloadService } from './jobs-reload.service';
import { PipelineStatus, PipelineStatusService } from './pipeline-status.service';
import { ReplayOutcome, RunLifecycleService, toHttpError } from './run-lifecycle.service';
import { BatchView, RunBatchesRepository, ThroughputView } from './run-batches.repository';
import { RunStateRepository } from './run-state.repository';
import { Verification, VerificationService } from './verify/verification.service';
import { RunSummary, toRunSummary } from './run-summary.presenter';

const triggerBodySchema = z
  .object({
    mode: z.enum(['full', 'incremental']).optional(),
    requestKey: z.string().min(1).max(200).optional(),
  })
  .strict();

const replayBodySchema = z.object({ runId: z.string().uuid().optional() }).strict();
const reloadBodySchema = z.object({ removedRuns: z.enum(['finish', 'cancel']).optional() }).strict();

const verifyBodySchema = z.object({ repair: z.boolean().optional() }).strict();

const resetBodySchema = z.object({ watermark: z.array(z.string()).min(1).nullable().optional() }).strict();

const limitSchema = z.coerce.number().int().min(1).max(1000).default(50);

function parseOrBadRequest<T>(schema: z.ZodType<T, z.ZodTypeDef, unknown>, value: unknown): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    const message = result.error.issues
      .map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`)
      .join('; ');
    throw new HttpException({ statusCode: 400, message }, HttpStatus.BAD_REQUEST);
  }
  return result.data;
}

/** 400 unless the route's run id is a UUID. */
function requireRunId(id: string): void {
  if (!z.string().uuid().safeParse(id).success)
    throw new HttpException({ statusCode: 400, message: 'run id must be a UUID' }, HttpStatus.BAD_REQUEST);
}

function unknownRun(id: string): HttpException {
  return new HttpException({ statusCode: 404, message: `unknown run ${id}` }, HttpStatus.NOT_FOUND);
}

@Controller()
@UseGuards(ApiTokenGuard)
export class RunsController {
  constructor(
    private readonly jobs: JobCatalog,
    private readonly lifecycle: RunLifecycleService,
    private readonly repository: RunStateRepository,
    private readonly clock: SystemClock,
    private readonly pipelineStatus: PipelineStatusService,
    private readonly deadLetters: DeadLetterRepository,
    private readonly batches: RunBatchesRepository,
    private readonly verification: VerificationService,
    private readonly jobsReload: JobsReloadService,
  ) {}

  /**
   * Reads the jobs file again (`qupersync jobs reload`); a removed job's active run finishes, or
   * is cancelled with `removedRuns: cancel`. 400 with the file's problems, and nothing changed,
   * when the file is invalid.
   */
  @Post('jobs/reload')
  @HttpCode(200)
  async reloadJobs(@Body() body: unknown): Promise<JobsReloadReport> {
    const parsed = parseOrBadRequest(reloadBodySchema, body ?? {});
    try {
      return await this.jobsReload.reload(parsed.removedRuns ?? 'finish');
    } catch (error) {
      if (error instanceof ConfigurationError)
        throw new HttpException({ statusCode: 400, message: error.message }, HttpStatus.BAD_REQUEST);
      return toHttpError(error);
    }
  }

  /** Each service up or not, its consumer lag, and each job's last run (200 either way: see `healthy`). */
  @Get('status')
  status(): Promise<PipelineStatus> {
    return this.pipelineStatus.status();
  }

  @Get('jobs')
  async listJobs(): Promise<unknown[]> {
    const active = new Map((await this.repository.activeRuns()).map((run) => [run.job, run.id]));
    return Promise.all(
      this.jobs.jobs.map(async (job) => ({
        name: job.name,
        mode: job.mode,
        sourceTable: job.source.table === undefined ? null : quoteQualifiedName(job.source.table),
        targetTable: quoteQualifiedName(job.targetTable),
        schedule: job.schedule ?? null,
        watermark: await this.watermarkText(job.name),
        activeRunId: active.get(job.name) ?? null,
      })),
    );
  }

  /** The stored cursor as JSON text (`["2024-01-01 00:00:00.000001","42"]`), null before the first run. */
  private async watermarkText(job: string): Promise<string | null> {
    const watermark = await this.repository.watermarkOf(job);
    return watermark === null ? null : JSON.stringify(watermark);
  }

  @Post('jobs/:name/runs')
  @HttpCode(202)
  async trigger(
    @Param('name') name: string,
    @Body() body: unknown,
  ): Promise<{ runId: string; job: string; status: string; coalesced: boolean }> {
    const parsed = parseOrBadRequest(triggerBodySchema, body ?? {});
    try {
      const outcome = await this.lifecycle.trigger({
        job: name,
        mode: parsed.mode ?? null,
        requestKey: parsed.requestKey ?? null,
        source: 'http',
      });
      return {
        runId: outcome.run.id,
        job: outcome.run.job,
        status: outcome.run.status,
        coalesced: outcome.coalesced,
      };
    } catch (error) {
      return toHttpError(error);
    }
  }

  /** Clears the job's watermark, or sets it to `watermark` ([watermark value, ...key values]). */
  @Post('jobs/:name/reset')
  @HttpCode(200)
  async reset(
    @Param('name') name: string,
    @Body() body: unknown,
  ): Promise<{ job: string; watermark: string[] | null }> {
    const parsed = parseOrBadRequest(resetBodySchema, body ?? {});
    try {
      return await this.lifecycle.reset(name, parsed.watermark ?? null);
    } catch (error) {
      return toHttpError(error);
    }
  }

  /**
   * Replays the job's unreplayed dead letters (`{"runId"}`: only that run's): 202 with the keyed
   * run that re-extracts their keys, or `run: null` when nothing was left to replay; 409 while
   * the job has an active run.
   */
  @Post('jobs/:name/replay')
  @HttpCode(202)
  async replay(
    @Param('name') name: string,
    @Body() body: unknown,
  ): Promise<Omit<ReplayOutcome, 'run'> & { run: RunSummary | null }> {
    const parsed = parseOrBadRequest(replayBodySchema, body ?? {});
    try {
      const outcome = await this.lifecycle.replay({ job: name, runId: parsed.runId ?? null, source: 'http' });
      return { ...outcome, run: outcome.run === null ? null : toRunSummary(outcome.run, this.clock.nowMs()) };
    } catch (error) {
      return toHttpError(error);
    }
  }

  /**
   * Compares the job's target with its source (`{"repair": true}`: re-syncs the missing and
   * different keys, then compares again). 200 with the report whether or not they are equal.
   */
  @Post('jobs/:name/verify')
  @HttpCode(200)
  async verify(@Param('name') name: string, @Body() body: unknown): Promise<Verification> {
    const parsed = parseOrBadRequest(verifyBodySchema, body ?? {});
    try {
      return await this.verification.verify(name, parsed.repair ?? false);
    } catch (error) {
      return toHttpError(error);
    }
  }

  /** The run a request key of the job started or joined; 404 until the trigger has been consumed. */
  @Get('jobs/:name/requests/:key')
  async request(
    @Param('name') name: string,
    @Param('key') key: string,
  ): Promise<{ job: string; requestKey: string; runId: string; coalesced: boolean }> {
    const found = await this.lifecycle.findRequest(name, key);
    if (found === undefined)
      throw new HttpException(
        { statusCode: 404, message: `no trigger of job ${name} with request key ${key} has been seen` },
        HttpStatus.NOT_FOUND,
      );
    return { job: name, requestKey: key, ...found };
  }

  @Get('runs/:id')
  async run(@Param('id') id: string): Promise<RunSummary> {
    requireRunId(id);
    const run = await this.repository.findRun(id);
    if (run === undefined) throw unknownRun(id);
    return toRunSummary(run, this.clock.nowMs());
  }

  /** The run's batches, most recently changed first (`?limit=` 1..1000, default 50). */
  @Get('runs/:id/batches')
  async runBatches(@Param('id') id: string, @Query('limit') limit: string | undefined): Promise<BatchView[]> {
    requireRunId(id);
    const parsedLimit = parseOrBadRequest(limitSchema, limit);
    if ((await this.repository.findRun(id)) === undefined) throw unknownRun(id);
    return this.batches.list(id, parsedLimit);
  }

  /** Rows written per second over the run, from its batches' load times. */
  @Get('runs/:id/throughput')
  async runThroughput(@Param('id') id: string): Promise<ThroughputView> {
    requireRunId(id);
    if ((await this.repository.findRun(id)) === undefined) throw unknownRun(id);
    return this.batches.throughput(id);
  }

  /**
   * Cancels a run: extraction stops, in-flight batches are fenced out, the watermark stays.
   * 404 for an unknown run, 409 for one that has already ended (the body says how).
   */
  @Post('runs/:id/cancel')
  @HttpCode(200)
  async cancel(@Param('id') id: string): Promise<RunSummary> {
    requireRunId(id);
    const outcome = await this.lifecycle.cancelRun(id);
    if (outcome === undefined) throw unknownRun(id);
    if (!outcome.cancelled)
      throw new HttpException(
        { statusCode: 409, message: `run ${id} has already ended: ${outcome.run.status}` },
        HttpStatus.CONFLICT,
      );
    return toRunSummary(outcome.run, this.clock.nowMs());
  }

  @Get('runs')
  async runs(
    @Query('job') job: string | undefined,
    @Query('limit') limit: string | undefined,
  ): Promise<RunSummary[]> {
    const runs = await this.repository.listRuns(job, parseOrBadRequest(limitSchema, limit));
    return runs.map((run) => toRunSummary(run, this.clock.nowMs()));
  }

  /** Dead letters, newest first: `?job=&run=&limit=` (limit 1..1000, default 50). */
  @Get('dead-letters')
  async listDeadLetters(
    @Query('job') job: string | undefined,
    @Query('run') run: string | undefined,
    @Query('limit') limit: string | undefined,
  ): Promise<DeadLetterView[]> {
    return this.deadLetters.list({ job, runId: run, limit: parseOrBadRequest(limitSchema, limit) });
  }

  @Get('failures')
  async failures(
    @Query('job') job: string | undefined,
    @Query('limit') limit: string | undefined,
  ): Promise<unknown[]> {
    return this.repository.listFailures(job, parseOrBadRequest(limitSchema, limit));
  }
}
