// Runs from trigger to verdict. A trigger starts a run unless the job already has one (then it
// is coalesced into it) or its request key was seen (then it returns the same run). Batch events
// move batches forward idempotently; when extraction has ended and every batch is loaded or
// failed, the run ends — and only a run without failed batches advances the watermark, in the
// same transaction that marks it succeeded. A full run of a job with deletes passes through
// `deleting` first (deletes/target-deletes.service.ts) and succeeds only once they are done.
import { randomUUID } from 'node:crypto';
import { HttpException, HttpStatus, Injectable } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { JobCatalog, JobDefinition, quoteQualifiedName } from '@qupersync/config';
import {
  BatchEventMessage,
  batchHeaderNames,
  describeError,
  extractRequestCodec,
  maxKeysPerRun,
  QuperSyncError,
  runControlCodec,
  staleBatchCode,
  TopicNames,
} from '@qupersync/contracts';
import { KafkaGateway } from '@qupersync/kafka';
import { JsonLogger, PipelineMetrics } from '@qupersync/observability';
import { PostgresDatabase, upsertKeyProblem } from '@qupersync/postgres';
import { DeadLetterRepository } from './dead-letter.repository';
import { TargetDeletes } from './deletes/target-deletes.service';
import { TableVerifier, VerifyReport } from './verify/table-verifier.service';
import { RunMode, RunRecord, RunStateRepository } from './run-state.repository';

export interface TriggerRequest {
  readonly job: string;
  readonly mode: RunMode | null;
  readonly requestKey: string | null;
  readonly source: 'http' | 'kafka' | 'schedule' | 'cli';
}

export interface TriggerOutcome {
  readonly run: RunRecord;
  readonly coalesced: boolean;
}

export interface ReplayOutcome {
  readonly job: string;
  /** The keyed run that re-extracts the letters' keys; null when there was nothing to replay. */
  readonly run: RunRecord | null;
  /** Distinct keys the run re-extracts, and the letters they stand for. */
  readonly keys: number;
  readonly letters: number;
  readonly notReplayable: number;
  /** Keys beyond the ones one run carries: replay again once this run has ended. */
  readonly remaining: number;
}

@Injectable()
export class RunLifecycleService {
  private readonly logger = new JsonLogger(RunLifecycleService.name);
  /** Runs whose deletes or verify this process is carrying out now. */
  private readonly checkingRuns = new Set<string>();

  constructor(
    private readonly database: PostgresDatabase,
    private readonly repository: RunStateRepository,
    private readonly jobs: JobCatalog,
    private readonly kafka: KafkaGateway,
    private readonly metrics: PipelineMetrics,
    private readonly deadLetters: DeadLetterRepository,
    private readonly targetDeletes: TargetDeletes,
    private readonly verifier: TableVerifier,
  ) {}

  async trigger(request: TriggerRequest): Promise<TriggerOutcome> {
    const job = this.jobs.find(request.job);
    if (job === undefined)
      throw new QuperSyncError('JOB_UNKNOWN', 'permanent', `unknown job "${request.job}"`);
    const mode = request.mode ?? job.mode;
    if (mode === 'incremental' && job.watermark === undefined) {
      throw new QuperSyncError(
        'MESSAGE_INVALID',
        'permanent',
        `job "${job.name}" has no watermark column for incremental mode`,
      );
    }
    const outcome = await retryOnActiveRunRace(() =>
      this.database.withTransaction(async (client): Promise<TriggerOutcome & { created: boolean }> => {
        // Serialise triggers of one job so the check-then-insert below cannot race.
        await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`qupersync-job:${job.name}`]);
        if (request.requestKey !== null) {
          const seen = await this.repository.findTriggerRequest(client, job.name, request.requestKey);
          const seenRun = seen && (await this.repository.findRun(seen.runId, client));
          if (seen && seenRun) return { run: seenRun, coalesced: seen.coalesced, created: false };
        }
        const active = await this.repository.activeRunOf(client, job.name);
        if (active !== undefined) {
          // A pending run has not asked for its extraction yet, so its upper bound is not fixed:
          // joining it reads the sender's rows. Any later run may have fixed it already, so the
          // trigger joins the job's one queued follow-up run instead, which starts when it ends.
          // A pending replay reads only its keys, so a trigger never joins one.
          const joined =
            active.status === 'pending' && active.keys === null
              ? active
              : await this.queuedFollowUp(client, job.name, mode, request);
          if (request.requestKey !== null)
            await this.repository.recordTriggerRequest(client, request.requestKey, job.name, joined.id, true);
          return { run: joined, coalesced: true, created: false };
        }
        const runId = randomUUID();
        if (mode === 'incremental') await this.requireSameCursorColumns(client, job);
        const fromCursor =
          mode === 'incremental' ? await this.repository.watermarkOf(job.name, client) : null;
        await this.repository.insertRun(client, {
          id: runId,
          job: job.name,
          mode,
          triggerSource: request.source,
          requestKey: request.requestKey,
          fromCursor,
        });
        if (request.requestKey !== null)
          await this.repository.recordTriggerRequest(client, request.requestKey, job.name, runId, false);
        const run = await this.repository.findRun(runId, client);
        if (run === undefined) throw new Error('inserted run vanished');
        return { run, coalesced: false, created: true };
      }),
    );
    if (outcome.created) {
      this.logger.info('run started', { job: job.name, runId: outcome.run.id, mode, source: request.source });
      // A target that cannot take upserts fails the run here, before a statement runs at the
      // source (the loaders check again before their first write, for tables created meanwhile).
      const problem = await this.targetUpsertProblem(job);
      if (problem === undefined) await this.requestExtraction(outcome.run);
      else await this.failRun(outcome.run.id, `target incompatible: ${problem}`);
    } else {
      this.logger.info('trigger coalesced into an existing run', {
        job: job.name,
        runId: outcome.run.id,
        requestKey: request.requestKey,
      });
    }
    const run = (await this.repository.findRun(outcome.run.id)) ?? outcome.run;
    return { run, coalesced: outcome.coalesced };
  }

  /**
   * Why the job's existing target cannot take upserts, if so. The key is checked under its target
   * names (after entity.rename); an entity class names its own columns, so its targets are left
   * to the loader's check before the first write.
   */
  private async targetUpsertProblem(job: JobDefinition): Promise<string | undefined> {
    if (job.entity.className !== undefined) return undefined;
    const key = job.primaryKey.map((column) => job.entity.rename[column] ?? column);
    return upsertKeyProblem(this.database, quoteQualifiedName(job.targetTable), key);
  }

  /**
   * A stored watermark belongs to the columns it was read from. After primary_key or watermark
   * changed in the jobs file, comparing it with the new columns would skip or re-read rows
   * without a word, so the run is refused until the operator resets the job.
   */
  private async requireSameCursorColumns(client: PoolClient, job: JobDefinition): Promise<void> {
    const watermark = await this.repository.watermarkOf(job.name, client);
    if (watermark === null) return;
    const current = cursorColumnsOf(job);
    const stored = await this.repository.cursorColumnsOf(client, job.name);
    const changed =
      stored === null
        ? watermark.length !== current.length
        : stored.join('\u0000') !== current.join('\u0000');
    if (!changed) return;
    throw new QuperSyncError(
      'MESSAGE_INVALID',
      'permanent',
      `job "${job.name}": its cursor columns changed from (${stored?.join(', ') ?? `${watermark.length} values`}) ` +
        `to (${current.join(', ')}) since the watermark ${JSON.stringify(watermark)} was stored; ` +
        `run \`qupersync reset ${job.name}\` (POST /jobs/${job.name}/reset) to sync from the start, or give it a watermark of the new columns`,
    );
  }

  /**
   * Clears a job's watermark (the next incremental run reads everything), or sets it to values of
   * the job's cursor columns ([watermark, ...primary key]). Refused while the job has a run.
   */
  async reset(
    jobName: string,
    watermark: string[] | null,
  ): Promise<{ job: string; watermark: string[] | null }> {
    const job = this.jobs.find(jobName);
    if (job === undefined) throw new QuperSyncError('JOB_UNKNOWN', 'permanent', `unknown job "${jobName}"`);
    const columns = cursorColumnsOf(job);
    if (watermark !== null && (job.watermark === undefined || watermark.length !== columns.length)) {
      throw new QuperSyncError(
        'MESSAGE_INVALID',
        'permanent',
        job.watermark === undefined
          ? `job "${job.name}" has no watermark column to set`
          : `a watermark of job "${job.name}" has ${columns.length} values (${columns.join(', ')}), not ${watermark.length}`,
      );
    }
    await this.database.withTransaction(async (client) => {
      await this.lockIdleJob(client, job.name, 'wait for it to end before a reset');
      if (watermark === null) await this.repository.clearWatermark(client, job.name);
      else await this.repository.advanceWatermark(client, job.name, null, watermark, columns);
    });
    this.logger.warn('watermark reset', { job: job.name, watermark });
    return { job: job.name, watermark };
  }

  /**
   * Replays the job's dead letters (of one run, or all not yet replayed): a keyed run re-extracts
   * their rows by primary key, with the source's values and the entity's rules as they are now,
   * through the normal pipeline (fenced and counted like any run; it never moves the watermark).
   * Its letters are marked replayed when it succeeds; rows still invalid become new letters of the
   * replay run. Refused while the job has a run, which might load the same keys meanwhile.
   */
  async replay(request: {
    job: string;
    runId: string | null;
    source: TriggerRequest['source'];
  }): Promise<ReplayOutcome> {
    const job = this.jobs.find(request.job);
    if (job === undefined)
      throw new QuperSyncError('JOB_UNKNOWN', 'permanent', `unknown job "${request.job}"`);
    const replayRunId = randomUUID();
    const claimed = await this.database.withTransaction(async (client) => {
      await this.lockIdleJob(client, job.name, 'replay after it ends');
      const claim = await this.deadLetters.claimForReplay(client, {
        job: job.name,
        runId: request.runId,
        replayRunId,
        primaryKey: job.primaryKey,
        targetKeyNames:
          job.entity.className === undefined && job.entity.rules.length === 0
            ? job.primaryKey.map((name) => job.entity.rename[name] ?? name)
            : null,
        maxKeys: maxKeysPerRun,
      });
      if (claim.keys.length > 0)
        await this.repository.insertRun(client, {
          id: replayRunId,
          job: job.name,
          mode: 'full',
          triggerSource: request.source,
          requestKey: null,
          fromCursor: null,
          keys: claim.keys,
        });
      return claim;
    });
    const outcome = {
      job: job.name,
      keys: claimed.keys.length,
      letters: claimed.letters,
      notReplayable: claimed.notReplayable,
      remaining: claimed.remaining,
    };
    if (claimed.keys.length === 0) return { ...outcome, run: null };
    this.logger.info('replay started', { runId: replayRunId, ...outcome, ofRun: request.runId });
    return { ...outcome, run: await this.startInsertedRun(job, replayRunId) };
  }

  /**
   * Starts a keyed run that re-extracts exactly `keys` (`verify --repair`): fenced and counted like
   * any run, never moving the watermark. Refused while the job has a run.
   */
  async startKeyedRun(request: {
    job: string;
    keys: string[][];
    source: TriggerRequest['source'];
  }): Promise<RunRecord> {
    const job = this.jobs.find(request.job);
    if (job === undefined)
      throw new QuperSyncError('JOB_UNKNOWN', 'permanent', `unknown job "${request.job}"`);
    const runId = randomUUID();
    await this.database.withTransaction(async (client) => {
      await this.lockIdleJob(client, job.name, 'repair after it ends');
      await this.repository.insertRun(client, {
        id: runId,
        job: job.name,
        mode: 'full',
        triggerSource: request.source,
        requestKey: null,
        fromCursor: null,
        keys: request.keys,
      });
    });
    this.logger.info('keyed run started', { job: job.name, runId, keys: request.keys.length });
    return this.startInsertedRun(job, runId);
  }

  /** Requests the extraction of a run inserted as pending (after its transaction committed). */
  private async startInsertedRun(job: JobDefinition, runId: string): Promise<RunRecord> {
    const run = await this.repository.findRun(runId);
    if (run === undefined) throw new Error(`inserted run ${runId} vanished`);
    const problem = await this.targetUpsertProblem(job);
    if (problem === undefined) await this.requestExtraction(run);
    else await this.failRun(run.id, `target incompatible: ${problem}`);
    return (await this.repository.findRun(runId)) ?? run;
  }

  /**
   * Takes the job's lock for the caller's transaction (triggers take it too, so no run can start
   * meanwhile) and refuses (JOB_BUSY, 409) while the job has an active run; `then` says what to do.
   */
  private async lockIdleJob(client: PoolClient, job: string, then: string): Promise<void> {
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`qupersync-job:${job}`]);
    const active = await this.repository.activeRunOf(client, job);
    if (active !== undefined)
      throw new QuperSyncError(
        'JOB_BUSY',
        'permanent',
        `job "${job}" has an active run ${active.id}; ${then}`,
      );
  }

  /** The job's queued follow-up run, created on the first trigger that needs one. */
  private async queuedFollowUp(
    client: PoolClient,
    job: string,
    mode: RunMode,
    request: TriggerRequest,
  ): Promise<RunRecord> {
    const queued = await this.repository.queuedRunOf(client, job);
    if (queued !== undefined) return queued;
    const id = randomUUID();
    await this.repository.insertRun(client, {
      id,
      job,
      mode,
      triggerSource: request.source,
      requestKey: request.requestKey,
      fromCursor: null,
      status: 'queued',
    });
    const run = await this.repository.findRun(id, client);
    if (run === undefined) throw new Error('inserted run vanished');
    this.logger.info('follow-up run queued behind the active run', { job, runId: id, mode });
    return run;
  }

  /** The run a job's request key started or joined (for senders over Kafka, who get no reply). */
  async findRequest(
    job: string,
    requestKey: string,
  ): Promise<{ runId: string; coalesced: boolean } | undefined> {
    return this.repository.findTriggerRequest(undefined, job, requestKey);
  }

  /**
   * Requests the extraction of the job's follow-up run when the run that just ended promoted it
   * (after the commit that ended the run: a Kafka send cannot roll back).
   */
  async startPromotedRun(job: string): Promise<void> {
    const pending = (await this.repository.activeRuns()).find(
      (run) => run.job === job && run.status === 'pending',
    );
    if (pending === undefined) return;
    this.logger.info('follow-up run started', { job, runId: pending.id, mode: pending.mode });
    await this.requestExtraction(pending);
  }

  /**
   * Publishes the run's extract request; safe to repeat (a second delivery is a newer attempt, and
   * the run fence keeps the two apart). The run leaves `pending` before the request goes out: a
   * trigger joins a `pending` run only because its upper bound cannot be fixed yet, so a run must
   * never be `pending` with its request already sent. If the send fails the run goes back to
   * `pending`, and the supervisor sends it again.
   */
  async requestExtraction(run: RunRecord): Promise<void> {
    const mode = run.mode;
    if (mode !== 'full' && mode !== 'incremental') throw new Error(`a ${mode} run extracts nothing`);
    await this.database.query(
      "UPDATE qupersync_runs SET status = 'extracting', last_progress_at = now() WHERE id = $1 AND status = 'pending'",
      [run.id],
    );
    // The extractor, transformer and loaders handle the run with this version of the job, and so
    // does this coordinator when the run ends (qupersync_runs.job_version).
    const job = this.definitionOf(run);
    if (job !== undefined && run.jobVersion === null)
      await this.repository.setJobVersion(run.id, this.jobs.versionOf(job));
    try {
      await this.kafka.send(TopicNames.extractRequest, [
        {
          key: run.job,
          headers: job === undefined ? {} : { [batchHeaderNames.jobVersion]: this.jobs.versionOf(job) },
          value: extractRequestCodec.encode({
            runId: run.id,
            job: run.job,
            mode,
            fromCursor: run.fromCursor === null ? null : JSON.stringify(run.fromCursor),
            requestedAtMs: Date.now(),
            keys: run.keys,
          }),
        },
      ]);
    } catch (error) {
      await this.database
        .query(
          "UPDATE qupersync_runs SET status = 'pending' WHERE id = $1 AND status = 'extracting' AND total_batches IS NULL",
          [run.id],
        )
        .catch(() => undefined);
      throw error;
    }
  }

  async applyEvent(event: BatchEventMessage): Promise<void> {
    const ended = await this.database.withTransaction(async (client) => {
      const run = await this.repository.lockRun(client, event.runId);
      if (run === undefined) {
        this.logger.warn('event for an unknown run ignored', { runId: event.runId, kind: event.kind });
        return undefined;
      }
      if (event.job !== run.job) {
        // A forged or misrouted event must not move another job's run: dead-lettered with the reason.
        throw new QuperSyncError(
          'MESSAGE_INVALID',
          'permanent',
          `batch event for run ${run.id} names job "${event.job}", but the run belongs to "${run.job}"`,
        );
      }
      if (isTerminal(run.status)) {
        await this.applyToEndedRun(client, run, event);
        return undefined;
      }
      await this.applyToOpenRun(client, run, event);
      const after = await this.repository.findRun(run.id, client);
      return after !== undefined && (isTerminal(after.status) || after.status === 'deleting')
        ? after
        : undefined;
    });
    if (ended === undefined) return;
    // The deletes run apart from the event handler: a large table's comparison takes seconds.
    if (ended.status === 'deleting') this.startDeletes(ended);
    else await this.afterRunEnded(ended);
  }

  /**
   * Starts a scheduled check of a job, recorded like a run: `verify` compares both sides and
   * succeeds only when they are equal; `reconcile` deletes (or stamps) the keys the source lost.
   * It holds the job while it runs. `busy` when the job has a run (the schedule tries again),
   * `seen` when this request key already started one (another coordinator, a restart).
   */
  async startCheckRun(
    job: string,
    kind: 'verify' | 'reconcile',
    requestKey: string,
  ): Promise<'started' | 'busy' | 'seen'> {
    const definition = this.jobs.find(job);
    if (definition === undefined)
      throw new QuperSyncError('JOB_UNKNOWN', 'permanent', `unknown job "${job}"`);
    const outcome = await retryOnActiveRunRace(() =>
      this.database.withTransaction(async (client): Promise<RunRecord | 'busy' | 'seen'> => {
        await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`qupersync-job:${job}`]);
        if ((await this.repository.findTriggerRequest(client, job, requestKey)) !== undefined) return 'seen';
        if ((await this.repository.activeRunOf(client, job)) !== undefined) return 'busy';
        const runId = randomUUID();
        await this.repository.insertRun(client, {
          id: runId,
          job,
          mode: kind,
          triggerSource: 'schedule',
          requestKey,
          fromCursor: null,
          status: kind === 'verify' ? 'verifying' : 'deleting',
          jobVersion: this.jobs.versionOf(definition),
        });
        await this.repository.recordTriggerRequest(client, requestKey, job, runId, false);
        const run = await this.repository.findRun(runId, client);
        if (run === undefined) throw new Error('inserted run vanished');
        return run;
      }),
    );
    if (outcome === 'busy' || outcome === 'seen') return outcome;
    this.logger.info('check run started', { job, runId: outcome.id, mode: kind });
    if (kind === 'verify') this.startVerify(outcome);
    else this.startDeletes(outcome);
    return 'started';
  }

  /** Carries out a verify run in the background (again for one found verifying at start-up). */
  startVerify(run: RunRecord): void {
    this.startCheck(run, 'verify', (definition) => this.finishVerify(run, definition));
  }

  private async finishVerify(run: RunRecord, definition: JobDefinition): Promise<void> {
    const { report } = await this.verifier.verify(run.job, 0, { job: definition });
    this.recordVerifyDifferences(report);
    const ended = await this.database.withTransaction(async (client) => {
      const current = await this.repository.lockRun(client, run.id);
      if (current?.status !== 'verifying') return undefined;
      await this.repository.setVerifyReport(client, run.id, {
        equal: report.equal,
        rowsSource: report.rowsSource,
        rowsTarget: report.rowsTarget,
        missing: report.missing,
        extra: report.extra,
        different: report.different,
        rangesCompared: report.rangesCompared,
        seconds: report.seconds,
      });
      await this.endRun(
        client,
        current,
        report.equal ? 'succeeded' : 'failed',
        report.equal
          ? null
          : `not equal to the source: ${report.missing} missing, ${report.extra} extra, ${report.different} different (${report.rowsSource} source rows, ${report.rowsTarget} target rows)`,
      );
      return this.repository.findRun(run.id, client);
    });
    if (ended !== undefined) await this.afterRunEnded(ended);
  }

  /** qupersync_verify_differences: what the job's last verify found, per kind of difference. */
  recordVerifyDifferences(report: VerifyReport): void {
    this.metrics.verifyDifferences.set({ job: report.job, kind: 'missing' }, report.missing);
    this.metrics.verifyDifferences.set({ job: report.job, kind: 'extra' }, report.extra);
    this.metrics.verifyDifferences.set({ job: report.job, kind: 'different' }, report.different);
  }

  /**
   * Carries out a deleting run's deletes in the background, once per process (the supervisor
   * calls this again for runs found deleting at start-up). The run succeeds when they are done
   * and fails, with the reason, when they cannot be.
   */
  startDeletes(run: RunRecord): void {
    this.startCheck(run, 'deletes', (definition) => this.finishDeletes(run, definition));
  }

  private async finishDeletes(run: RunRecord, definition: JobDefinition): Promise<void> {
    const outcome = await this.targetDeletes.apply(run, definition);
    if (!outcome.completed) return;
    const ended = await this.database.withTransaction(async (client) => {
      const current = await this.repository.lockRun(client, run.id);
      if (current?.status !== 'deleting') return undefined;
      await this.endRun(client, current, 'succeeded', null);
      return this.repository.findRun(run.id, client);
    });
    if (ended === undefined) return;
    this.logger.info('run succeeded', {
      job: ended.job,
      runId: ended.id,
      rowsLoaded: ended.rowsLoaded,
      rowsDeleted: ended.rowsDeleted,
    });
    await this.afterRunEnded(ended);
  }

  /**
   * Runs a deleting or verifying run's work in the background, once per process, by the
   * definition the run began with, renewing its progress meanwhile; any error fails the run with
   * `<label> failed: <reason>`.
   */
  private startCheck(
    run: RunRecord,
    label: 'verify' | 'deletes',
    work: (definition: JobDefinition) => Promise<void>,
  ): void {
    if (this.checkingRuns.has(run.id)) return;
    this.checkingRuns.add(run.id);
    const stopKeepAlive = this.keepAlive(run.id);
    const carryOut = async (): Promise<void> => {
      const definition = this.definitionOf(run);
      if (definition === undefined) throw new Error(unpinnedDefinition(run));
      await work(definition);
    };
    void carryOut()
      .catch(async (error: unknown) => {
        this.logger.error(`${label} failed; the run fails`, {
          job: run.job,
          runId: run.id,
          error: describeError(error),
        });
        // The supervisor fails the run as stalled if even this is impossible (the database away).
        await this.failRun(run.id, `${label} failed: ${describeError(error)}`).catch((failure: unknown) =>
          this.logger.warn('could not fail the run', { runId: run.id, error: describeError(failure) }),
        );
      })
      .finally(() => {
        stopKeepAlive();
        this.checkingRuns.delete(run.id);
      });
  }

  /**
   * The definition a run began with: the version pinned on it (read again from the file if this
   * process has not seen it), or, for a run not pinned yet, the job's last known one. Undefined
   * when the pinned version is gone (the coordinator restarted after the job changed).
   */
  private definitionOf(run: RunRecord): JobDefinition | undefined {
    if (run.jobVersion === null) return this.jobs.lastKnown(run.job);
    return this.jobs.resolve(run.job, run.jobVersion);
  }

  /**
   * A deleting or verifying run's comparison can take longer than the stall timeout: its progress
   * is renewed every 30 s while this process works on it. Returns the stop.
   */
  private keepAlive(runId: string): () => void {
    const timer = setInterval(() => {
      this.repository.touchRun(runId).catch(() => undefined);
    }, 30_000);
    void this.repository.touchRun(runId).catch(() => undefined);
    return () => clearInterval(timer);
  }

  /**
   * After the commit that ended a run: tells the extractors (so one still extracting for it stops
   * and cancels its statement) and starts the job's follow-up run if one was promoted.
   */
  private async afterRunEnded(run: RunRecord): Promise<void> {
    // Both times are the database's, so a coordinator's own clock cannot skew the figure.
    if (run.finishedAt !== null)
      this.metrics.runSeconds.observe(
        { job: run.job, outcome: run.status },
        Math.max(0, run.finishedAt.getTime() - run.createdAt.getTime()) / 1000,
      );
    await this.announceRunEnded(run);
    await this.startPromotedRun(run.job);
  }

  /**
   * Best effort: a lost announcement costs warehouse time, never correctness (the loaders' fence
   * drops every batch of an ended run), so a failed send is logged, not retried.
   */
  private async announceRunEnded(run: RunRecord): Promise<void> {
    if (!isTerminal(run.status)) return;
    try {
      await this.kafka.send(TopicNames.runControl, [
        {
          key: run.id,
          value: runControlCodec.encode({
            runId: run.id,
            job: run.job,
            kind: 'run_ended',
            // run-control.v1 knows succeeded and failed; a cancelled run ended without success,
            // and every extractor stops the same way for either.
            status: run.status === 'succeeded' ? 'succeeded' : 'failed',
            reason: run.error,
            occurredAtMs: Date.now(),
          }),
        },
      ]);
    } catch (error) {
      this.logger.warn('could not announce the end of a run to the extractors', {
        job: run.job,
        runId: run.id,
        error: describeError(error),
      });
    }
  }

  /**
   * Once a run has ended its outcome is history, but its books are not closed: stale batches are
   * counted, and so are batch events the coordinator reads only now. A late batch_loaded reports
   * rows that really are in the target (a loader writes only while the run's fence is open); a late
   * batch_extracted may be of a batch the extractor published before it heard of the end, which the
   * loader then fences and countStale counts too. Nothing here can change the outcome.
   */
  private async applyToEndedRun(client: PoolClient, run: RunRecord, event: BatchEventMessage): Promise<void> {
    const stale = isStaleReport(event);
    const batchFact =
      event.kind === 'batch_extracted' || event.kind === 'batch_transformed' || event.kind === 'batch_loaded';
    if (!stale && !batchFact) return;
    if (!(await this.repository.claimEvent(client, event.eventId, event.runId))) return;
    if (stale) {
      await this.countStale(client, run, event);
      return;
    }
    if (await this.isSupersededAttempt(client, run, event)) return;
    await this.applyToRun(client, run, event);
    await this.repository.refreshRunProgress(client, run.id);
  }

  private async countStale(client: PoolClient, run: RunRecord, event: BatchEventMessage): Promise<void> {
    // A loader fenced the batch (another attempt's, or the run had ended): counted apart,
    // whatever the run's state, and never a failure of the run.
    await this.repository.addStaleRows(client, run.id, event.rowCount);
    this.logger.info('stale batch dropped by the loader', {
      job: run.job,
      runId: run.id,
      sequence: event.sequence,
      extractionId: event.extractionId,
      rows: event.rowCount,
      reason: event.error,
    });
  }

  private async applyToOpenRun(client: PoolClient, run: RunRecord, event: BatchEventMessage): Promise<void> {
    if (!(await this.repository.claimEvent(client, event.eventId, event.runId))) return;
    if (isStaleReport(event)) {
      await this.countStale(client, run, event);
      return;
    }
    if (await this.isSupersededAttempt(client, run, event)) return;
    await this.applyToRun(client, run, event);
    await this.repository.refreshRunProgress(client, run.id);
    await this.completeIfDone(client, run.id);
  }

  private async applyToRun(client: PoolClient, run: RunRecord, event: BatchEventMessage): Promise<void> {
    const sequence = event.sequence;
    const fields = { job: run.job, runId: run.id, sequence, kind: event.kind };
    switch (event.kind) {
      case 'batch_extracted':
      case 'batch_transformed':
      case 'batch_loaded':
        if (sequence === null)
          throw new QuperSyncError('MESSAGE_INVALID', 'permanent', `${event.kind} without a sequence`);
        if (event.kind === 'batch_loaded' && event.part !== undefined && event.part !== null) {
          await this.repository.addLoadedPart(client, {
            runId: run.id,
            extractionId: event.extractionId ?? '-',
            sequence,
            parts: event.parts ?? 1,
            rowsWritten: event.rowCount,
            rowsRejected: event.rowsDeadLettered,
            cursorFrom: event.cursorFrom,
            cursorTo: event.cursorTo,
          });
          if (event.error !== null) await this.repository.addWarning(client, run.id, event.error);
          return;
        }
        await this.repository.upsertBatch(client, {
          runId: run.id,
          extractionId: event.extractionId ?? '-',
          sequence,
          status:
            event.kind === 'batch_extracted'
              ? 'extracted'
              : event.kind === 'batch_transformed'
                ? 'transformed'
                : 'loaded',
          rowCount: event.kind === 'batch_extracted' ? event.rowCount : null,
          rowsWritten: event.kind === 'batch_loaded' ? event.rowCount : null,
          // The transformer dead-letters invalid rows, the loader rejected ones: two counts, never merged.
          rowsInvalid: event.kind === 'batch_transformed' ? event.rowsDeadLettered : null,
          rowsRejected: event.kind === 'batch_loaded' ? event.rowsDeadLettered : null,
          cursorFrom: event.cursorFrom,
          cursorTo: event.cursorTo,
          error: null,
        });
        // A loaded batch's error field carries a warning (the event has no field of its own).
        if (event.kind === 'batch_loaded' && event.error !== null)
          await this.repository.addWarning(client, run.id, event.error);
        return;
      case 'batch_failed':
        if (sequence === null)
          throw new QuperSyncError('MESSAGE_INVALID', 'permanent', 'batch_failed without a sequence');
        await this.repository.upsertBatch(client, {
          runId: run.id,
          extractionId: event.extractionId ?? '-',
          sequence,
          status: 'failed',
          rowCount: null,
          rowsWritten: null,
          rowsInvalid: event.service === 'transformer' ? event.rowsDeadLettered : null,
          rowsRejected: event.service === 'loader' ? event.rowsDeadLettered : null,
          cursorFrom: event.cursorFrom,
          cursorTo: event.cursorTo,
          error: event.error,
        });
        await this.repository.recordBatchFailure(client, {
          job: run.job,
          runId: run.id,
          sequence,
          topic: event.topic,
          partition: event.partition,
          offset: event.offset,
          errorCode: event.errorCode,
          error: event.error,
        });
        this.metrics.failures.inc({ phase: 'load', code: event.errorCode ?? 'UNKNOWN' });
        this.logger.warn('batch failed', { ...fields, error: event.error, offset: event.offset });
        if (event.errorCode === 'TARGET_INCOMPATIBLE') {
          // Every batch would fail the same way: end the run now, so the operator hears at once
          // and the rest of its batches are fenced instead of being tried one by one.
          await this.endRun(client, run, 'failed', `target incompatible: ${event.error ?? 'unknown reason'}`);
          this.logger.error('run failed: the target cannot take the source', {
            ...fields,
            error: event.error,
          });
        }
        return;
      case 'extraction_completed':
        await this.repository.markExtractionCompleted(
          client,
          run.id,
          event.totalBatches ?? 0,
          event.cursorTo,
          event.extractionId ?? '-',
          event.rowCount,
          { plan: event.scanPlan ?? null, rowsScanned: event.rowsScanned ?? null },
        );
        this.logger.info('extraction completed', {
          ...fields,
          totalBatches: event.totalBatches,
          scanPlan: event.scanPlan,
          rowsScanned: event.rowsScanned,
          extractionId: event.extractionId,
        });
        return;
      case 'extraction_failed':
        await this.endRun(client, run, 'failed', `extraction failed: ${event.error ?? 'unknown error'}`);
        await this.repository.recordBatchFailure(client, {
          job: run.job,
          runId: run.id,
          sequence: null,
          topic: null,
          partition: null,
          offset: null,
          errorCode: event.errorCode,
          error: `extraction failed: ${event.error ?? 'unknown error'}`,
        });
        this.metrics.failures.inc({ phase: 'extract', code: event.errorCode ?? 'UNKNOWN' });
        this.logger.error('run failed: extraction failed', { ...fields, error: event.error });
        return;
    }
  }

  /**
   * Whether an extraction's verdict comes from an attempt that is no longer the run's: a newer
   * attempt (a redelivered extract request, an extractor that joined in a rebalance) has written
   * batches, or another attempt already completed. Its completion or failure is ignored; the run
   * ends on the newest attempt.
   */
  private async isSupersededAttempt(
    client: PoolClient,
    run: RunRecord,
    event: BatchEventMessage,
  ): Promise<boolean> {
    if (event.kind !== 'extraction_completed' && event.kind !== 'extraction_failed') return false;
    const attempt = event.extractionId ?? '-';
    const newer =
      (await this.repository.newerAttemptThan(client, run.id, attempt)) ??
      (run.extractionId !== null && run.extractionId > attempt ? run.extractionId : undefined);
    if (newer === undefined) return false;
    this.logger.warn('verdict of a superseded extraction attempt ignored', {
      job: run.job,
      runId: run.id,
      kind: event.kind,
      extractionId: attempt,
      newerExtractionId: newer,
    });
    return true;
  }

  /** Ends the run when extraction has ended and every batch is loaded or failed. */
  async completeIfDone(client: PoolClient, runId: string): Promise<void> {
    const run = await this.repository.findRun(runId, client);
    if (run === undefined || run.totalBatches === null) return;
    if (isTerminal(run.status) || run.status === 'deleting') return;
    if (run.batchesLoaded + run.batchesFailed < run.totalBatches) return;
    if (run.batchesFailed > 0) {
      await this.endRun(client, run, 'failed', `${run.batchesFailed} of ${run.totalBatches} batches failed`);
      this.logger.warn('run failed; watermark left where it was', {
        job: run.job,
        runId: run.id,
        failedBatches: run.batchesFailed,
      });
      return;
    }
    const unaccounted = rowAccountingError(run);
    if (unaccounted !== null) {
      await this.endRun(client, run, 'failed', unaccounted);
      this.logger.error('run failed: rows unaccounted for; watermark left where it was', {
        job: run.job,
        runId: run.id,
        reason: unaccounted,
      });
      return;
    }
    // A run ends by the definition it began with, whatever the jobs file says now.
    const definition = this.definitionOf(run);
    if (definition === undefined) {
      await this.endRun(client, run, 'failed', unpinnedDefinition(run));
      return;
    }
    const maxRejected = definition.maxRejectedRows;
    if (run.rowsRejected > maxRejected) {
      await this.endRun(
        client,
        run,
        'failed',
        `${run.rowsRejected} row(s) rejected by the target, above max_rejected_rows ${maxRejected}`,
      );
      this.logger.warn('run failed: too many rejected rows; watermark left where it was', {
        job: run.job,
        runId: run.id,
        rowsRejected: run.rowsRejected,
      });
      return;
    }
    const deletes = definition.deletes;
    if (run.mode === 'full' && run.keys === null && deletes !== 'none') {
      // No batch may write after the keys are compared: the fence closes now, the job stays held.
      await this.repository.setRunStatus(client, run.id, 'deleting');
      await this.repository.closeFence(client, run.id);
      this.logger.info('run loaded; deleting target rows whose key the source lacks', {
        job: run.job,
        runId: run.id,
        rowsLoaded: run.rowsLoaded,
        deletes,
      });
      return;
    }
    if (run.mode === 'incremental' && run.highCursor !== null) {
      await this.repository.advanceWatermark(
        client,
        run.job,
        run.id,
        run.highCursor,
        cursorColumnsOf(definition),
      );
    }
    await this.endRun(client, run, 'succeeded', null);
    this.logger.info('run succeeded', {
      job: run.job,
      runId: run.id,
      rowsLoaded: run.rowsLoaded,
      watermark: run.highCursor,
    });
  }

  private async endRun(
    client: PoolClient,
    run: RunRecord,
    outcome: 'succeeded' | 'failed' | 'cancelled',
    error: string | null,
  ): Promise<void> {
    await this.repository.setRunStatus(client, run.id, outcome, error);
    await this.repository.closeFence(client, run.id);
    // A replay's letters are replayed only once every row of it is accounted for.
    if (outcome === 'succeeded' && run.keys !== null) await this.deadLetters.markReplayed(client, run.id);
    // The follow-up a trigger queued behind this run starts now (its extraction after commit).
    await this.repository.promoteQueuedRun(client, run.job);
    this.metrics.runs.inc({ job: run.job, outcome });
  }

  /**
   * Ends a run at an operator's request: extraction stops (the extractors are told), batches still
   * in flight are dropped by the loaders' fence, and the watermark stays where it was. A queued
   * run is cancelled before it starts. Returns the run as it is afterwards, or undefined when
   * there is no such run; `cancelled` is false when it had already ended.
   */
  async cancelRun(runId: string): Promise<{ run: RunRecord; cancelled: boolean } | undefined> {
    const outcome = await this.database.withTransaction(async (client) => {
      const run = await this.repository.lockRun(client, runId);
      if (run === undefined) return undefined;
      if (isTerminal(run.status)) return { run, cancelled: false, wasQueued: false };
      const reason = `cancelled by an operator while ${run.status}`;
      // A queued run has no extraction, no fence and nothing queued behind it: it just ends.
      if (run.status === 'queued') {
        await this.repository.setRunStatus(client, run.id, 'cancelled', reason);
        this.metrics.runs.inc({ job: run.job, outcome: 'cancelled' });
      } else await this.endRun(client, run, 'cancelled', reason);
      const after = await this.repository.findRun(runId, client);
      if (after === undefined) throw new Error('cancelled run vanished');
      return { run: after, cancelled: true, wasQueued: run.status === 'queued' };
    });
    if (outcome === undefined) return undefined;
    if (outcome.cancelled) {
      this.logger.warn('run cancelled', { job: outcome.run.job, runId });
      if (!outcome.wasQueued) await this.afterRunEnded(outcome.run);
    }
    return { run: outcome.run, cancelled: outcome.cancelled };
  }

  async failRun(runId: string, reason: string): Promise<void> {
    const ended = await this.database.withTransaction(async (client) => {
      const run = await this.repository.lockRun(client, runId);
      if (run === undefined || isTerminal(run.status)) return undefined;
      await this.endRun(client, run, 'failed', reason);
      this.logger.warn('run failed', { job: run.job, runId, reason });
      return this.repository.findRun(runId, client);
    });
    if (ended !== undefined) await this.afterRunEnded(ended);
  }
}

/**
 * Why a run whose batches all loaded still may not succeed: every row the completing attempt
 * extracted must be loaded, invalid or rejected, and its batches must add up to the total the
 * extractor reported. Null when the books balance.
 */
export function rowAccountingError(
  run: Pick<RunRecord, 'rowsExtracted' | 'rowsReported' | 'rowsLoaded' | 'rowsInvalid' | 'rowsRejected'>,
): string | null {
  const accounted = run.rowsLoaded + run.rowsInvalid + run.rowsRejected;
  if (run.rowsReported !== null && run.rowsReported !== run.rowsExtracted) {
    return `row accounting: the extractor reported ${run.rowsReported} rows but its batches hold ${run.rowsExtracted}`;
  }
  if (accounted !== run.rowsExtracted) {
    return (
      `row accounting: ${run.rowsExtracted} rows extracted but ${accounted} accounted for ` +
      `(${run.rowsLoaded} loaded, ${run.rowsInvalid} invalid, ${run.rowsRejected} rejected)`
    );
  }
  return null;
}

/**
 * A trigger that waited for the job's lock while the active run ended and promoted its follow-up
 * does not see the promoted run in its statement's snapshot and collides with it on the one-
 * active-run index: it runs again, and then joins it.
 */
async function retryOnActiveRunRace<Result>(work: () => Promise<Result>): Promise<Result> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      const constraint: unknown = error instanceof Error ? Reflect.get(error, 'constraint') : undefined;
      if (attempt >= 3 || constraint !== 'qupersync_runs_one_active_per_job') throw error;
    }
  }
}

/** The columns a job's watermark values belong to: [watermark, ...primary key]. */
function cursorColumnsOf(job: JobDefinition): string[] {
  return job.watermark === undefined ? [...job.primaryKey] : [job.watermark, ...job.primaryKey];
}

function unpinnedDefinition(run: RunRecord): string {
  return `job "${run.job}" changed (version ${run.jobVersion ?? '-'} is gone) while this run was in flight and the coordinator restarted; trigger it again`;
}

function isTerminal(status: RunRecord['status']): boolean {
  return status === 'succeeded' || status === 'failed' || status === 'cancelled';
}

function isStaleReport(event: BatchEventMessage): boolean {
  return event.kind === 'batch_failed' && event.errorCode === staleBatchCode;
}

export function toHttpError(error: unknown): never {
  if (error instanceof QuperSyncError) {
    switch (error.code) {
      case 'JOB_UNKNOWN':
        throw new HttpException({ statusCode: 404, message: error.message }, HttpStatus.NOT_FOUND);
      case 'MESSAGE_INVALID':
      case 'MESSAGE_UNDECODABLE':
        throw new HttpException({ statusCode: 400, message: error.message }, HttpStatus.BAD_REQUEST);
      case 'JOB_BUSY':
      case 'TARGET_INCOMPATIBLE':
        throw new HttpException({ statusCode: 409, message: error.message }, HttpStatus.CONFLICT);
      // The source answered with an error (verify's statements): the operator needs its words.
      case 'SOURCE_STATEMENT_FAILED':
      case 'SOURCE_THROTTLED':
      case 'SOURCE_UNAVAILABLE':
        throw new HttpException({ statusCode: 502, message: error.message }, HttpStatus.BAD_GATEWAY);
      case 'ROW_INVALID':
      case 'ROW_TOO_LARGE':
      case 'BATCH_INVALID':
      case 'OBJECT_STORE_FAILED':
      case 'TARGET_UNAVAILABLE':
      case 'TARGET_ROW_REJECTED':
      case 'TARGET_WRITE_FAILED':
      case 'BROKER_REJECTED':
      case 'RUN_STALLED':
      case 'DELETES_REFUSED':
      case 'BATCH_STALE':
      case 'INTERNAL':
        break;
    }
  }
  throw error;
}
